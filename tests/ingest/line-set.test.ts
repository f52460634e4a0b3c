import { LineSet } from '../../ingest/line-set';

/** Adds `text` as UTF-8 bytes placed at an offset inside a larger buffer (as CSV batches hold lines). */
function add(set: LineSet, text: string, lineNo: number): number {
  const bytes = Buffer.from(`xx${text}yy`, 'utf8');
  return set.addOrGet(bytes, 2, bytes.length - 2, lineNo);
}

describe('LineSet', () => {
  it('returns the first line of an identical text and 0 for new texts, across rehashes', () => {
    const set = new LineSet(16);
    const texts = Array.from({ length: 5000 }, (_, i) => `536365,${i},WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,UK`);
    texts.forEach((t, i) => expect(add(set, t, i + 1)).toBe(0));
    expect(set.size).toBe(5000);
    texts.forEach((t, i) => expect(add(set, t, 10_000 + i)).toBe(i + 1));
    expect(set.size).toBe(5000);
  });

  it('tells apart texts that differ only in order, case or length', () => {
    const set = new LineSet();
    for (const [i, t] of ['ab', 'ba', 'AB', 'ab ', '', 'a', 'abcd', 'abce', 'abcde', 'dcba', '\u00e9', 'e'].entries()) expect(add(set, t, i + 1)).toBe(0);
  });
});
