/**
 * A raw data set with `scale` times the customers of the bundled one, for the benches
 * that measure how berserkr grows with customers (`bench/run.ts`, `bench/evaluate.ts`).
 */
import { execFileSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { createLzoRegistry, readLzop } from '../ingest';
import { FileStore } from '../lib/store/file';

/** A raw object that cannot be copied. */
export class ScaledRawError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaledRawError';
  }
}

/** Fields of a CSV line (RFC 4180 quoting), as written: quotes kept. */
function fields(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; ; ) {
    let j = i;
    if (line[i] === '"') for (j = i + 1; j < line.length && !(line[j] === '"' && line[j + 1] !== '"'); ) j += line[j] === '"' ? 2 : 1;
    const end = line.indexOf(',', j);
    out.push(line.slice(i, end < 0 ? line.length : end));
    if (end < 0) return out;
    i = end + 1;
  }
}

/**
 * Writes `scale` copies of each raw object (`.lzo`) of folder `raw` into folder `out`, as
 * objects of the same names (`lzop -1`), or, with `compression` `gzip`, named `<name>.gz`
 * instead of `.lzo` (`node:zlib`, level 1): every data line `scale` times, copy j > 0 with
 * customer id `<id>-<j>` and order id `<invoice>-<j>` (new customers and orders, the
 * same months, items, quantities and times; a line without a customer keeps none).
 * Holds one object's lines at a time.
 * @param compression `lzop` (needs the `lzop` program) or `gzip` [`lzop`].
 * @throws ScaledRawError when an object's header lacks InvoiceNo or CustomerID.
 */
export async function writeScaled(raw: string, out: string, scale: number, compression: 'lzop' | 'gzip' = 'lzop'): Promise<void> {
  const store = new FileStore(raw);
  const codecs = createLzoRegistry();
  for (const o of await store.list('')) {
    if (!o.key.endsWith('.lzo')) continue;
    const parts: Uint8Array[] = [];
    for await (const b of readLzop(store.getStream(o.key), { objectKey: o.key, codecs })) parts.push(b);
    const lines = Buffer.concat(parts).toString('utf8').split(/\r?\n/);
    const header = fields(lines[0]);
    const order = header.indexOf('InvoiceNo');
    const customer = header.indexOf('CustomerID');
    if (order < 0 || customer < 0) throw new ScaledRawError(`${o.key}: header ${lines[0]} lacks InvoiceNo or CustomerID`);
    const copies: string[] = [lines[0]];
    for (const line of lines.slice(1)) {
      if (line === '') continue;
      const base = fields(line);
      const f = [...base];
      for (let j = 0; j < scale; j++) {
        if (j > 0) {
          f[order] = `${base[order]}-${j}`;
          if (base[customer] !== '') f[customer] = `${base[customer]}-${j}`;
        }
        copies.push(f.join(','));
      }
    }
    const csv = join(out, o.key.replace(/\.lzo$/, ''));
    if (compression === 'gzip') {
      writeFileSync(`${csv}.gz`, gzipSync(`${copies.join('\n')}\n`, { level: 1 }));
      continue;
    }
    writeFileSync(csv, `${copies.join('\n')}\n`);
    execFileSync('lzop', ['-1', '-U', '-f', '-o', `${csv}.lzo`, csv]);
  }
}
