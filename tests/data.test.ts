/**
 * The bundled raw data (`data/online-retail/*.csv.lzo`) is exactly what
 * `SHA256SUMS` names, read through the FileStore as ingest will read it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '../lib/store/file';

const DIR = join(__dirname, '..', 'data', 'online-retail');

/** `sha256sum` output lines: `<64 hex>  <name>` (two spaces, or space + `*` in binary mode). */
function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`SHA256SUMS line ${i + 1}: expected "<64 hex> <name>", found ${JSON.stringify(line)}`);
    sums.set(m[2], m[1]);
  });
  return sums;
}

describe('bundled Online Retail data', () => {
  it('has the 13 monthly lzop files of SHA256SUMS, each matching its checksum', async () => {
    const sums = parseSums(await readFile(join(DIR, 'SHA256SUMS'), 'utf8'));
    const store = new FileStore(DIR);
    const objects = (await store.list('')).filter((o) => o.key.endsWith('.csv.lzo'));
    expect(objects.map((o) => o.key)).toEqual([...sums.keys()].sort());
    expect(objects.map((o) => o.key)).toEqual(
      ['2010-12', '2011-01', '2011-02', '2011-03', '2011-04', '2011-05', '2011-06', '2011-07', '2011-08', '2011-09', '2011-10', '2011-11', '2011-12'].map(
        (month) => `${month}.csv.lzo`,
      ),
    );
    for (const { key, size } of objects) {
      const hash = createHash('sha256');
      let bytes = 0;
      let magic: Buffer | undefined;
      for await (const chunk of store.getStream(key)) {
        magic ??= Buffer.from(chunk.subarray(0, 9));
        hash.update(chunk);
        bytes += chunk.length;
      }
      expect({ key, sha256: hash.digest('hex') }).toEqual({ key, sha256: sums.get(key) });
      expect(bytes).toBe(size);
      // lzop container magic: 89 4C 5A 4F 00 0D 0A 1A 0A
      expect(magic?.toString('hex')).toBe('894c5a4f000d0a1a0a');
    }
  });
});
