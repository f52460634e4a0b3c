import { parseDecimal, parseInt32 } from '../../ingest/numbers';
import { FieldTransform } from '../../ingest/transform';

const bytes = (s: string) => Buffer.from(`[${s}]`, 'utf8');
const decimal = (s: string) => parseDecimal(bytes(s), 1, bytes(s).length - 1);
const int32 = (s: string) => parseInt32(bytes(s), 1, bytes(s).length - 1);

describe('parseDecimal reads bytes exactly as Number(text)', () => {
  it.each(['2.55', '0', '-0', '+4.1', '1.', '.5', '0.1', '38970', '-11062.06', '1e3', '2.5E-3', '123456789012345', '1234567890123456789', '0.000000000000000000000000123', '1e300', '9007199254740993', '4.35', '0.30000000000000004'])(
    '%s',
    (s) => expect(Object.is(decimal(s), Number(s))).toBe(true),
  );

  it('agrees with Number on 20,000 seeded random prices', () => {
    let seed = 7;
    const r = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 20_000; i++) {
      const s = `${r() < 0.1 ? '-' : ''}${Math.floor(r() * 10 ** Math.floor(r() * 9))}.${String(Math.floor(r() * 10 ** Math.floor(r() * 8)))}`;
      expect(decimal(s)).toBe(Number(s));
    }
  });

  it.each(['', '-', '.', 'e5', '1e', '1e+', '1.2.3', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '1,5', '£2'])('rejects %p', (s) => expect(decimal(s)).toBeNaN());
});

describe('parseInt32', () => {
  it('reads optional sign and digits within int32', () => {
    expect(['6', '-12', '+3', '2147483647', '-2147483648', '007'].map(int32)).toEqual([6, -12, 3, 2147483647, -2147483648, 7]);
  });

  it.each(['', '-', '2147483648', '-2147483649', '1.0', '1e3', ' 1', '12x'])('rejects %p', (s) => expect(int32(s)).toBeNaN());
});

describe('FieldTransform gives the String method results on bytes', () => {
  const apply = (kind: 'none' | 'upper' | 'lower' | 'trim', s: string) => {
    const t = new FieldTransform(kind).apply(bytes(s), 1, bytes(s).length - 1);
    return Buffer.from(t.bytes.subarray(t.begin, t.end)).toString('utf8');
  };
  it.each(['85123a', 'gift_0001_20', 'crème brûlée', 'straße', '  Whole Milk\t', '\u00a0x\u00a0', '\ufeffy', 'ǅ', ''])('%p', (s) => {
    expect(apply('none', s)).toBe(s);
    expect(apply('upper', s)).toBe(s.toUpperCase());
    expect(apply('lower', s)).toBe(s.toLowerCase());
    expect(apply('trim', s)).toBe(s.trim());
  });
});
