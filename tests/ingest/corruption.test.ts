/**
 * Corrupt raw objects, drawn at random with a fixed seed: bytes flipped
 * anywhere or in the headers, the tail cut, a run of bytes dropped. Each one is
 * either read whole and intact (a change the format does not cover, such as a
 * gzip header's time) or fails with the format's error: never other bytes,
 * never another kind of error, never a hang (the zstd decoder's time limit).
 * Only objects with checksums are drawn: without one, a byte changed inside a
 * literal run decodes to another byte, which no reader can notice.
 */
import { gzipSync } from 'zlib';
import { CompressedDataError, CompressionMismatchError, LzopFormatError, createLzoRegistry, decompress } from '../../ingest';
import type { ObjectCompression } from '../../lib/catalog';
import { Prng } from '../../lib/prng';
import { ZSTD_FSE_WEIGHTS_SAMPLE, chunked, concatBytes, fixture } from './helpers';

const CASES = 300;
const codecs = createLzoRegistry();

/** A corrupt copy of `bytes`: one of four kinds of damage, drawn from `rng`. */
function corrupt(bytes: Uint8Array, rng: Prng): Uint8Array {
  const out = Buffer.from(bytes);
  switch (rng.int(4)) {
    case 0:
      for (let k = 1 + rng.int(4); k > 0; k--) out[rng.int(out.length)] ^= 1 + rng.int(255);
      return out;
    case 1:
      out[rng.int(Math.min(64, out.length))] ^= 1 + rng.int(255);
      return out;
    case 2:
      return out.subarray(0, rng.int(out.length));
    default: {
      const at = rng.int(out.length);
      return Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + rng.int(32))]);
    }
  }
}

const how = (compression: ObjectCompression['compression']): ObjectCompression => ({ compression, basis: 'the test' });

describe.each([
  ['an lzop object with Adler-32 checksums', how('lzop'), fixture('lzop', 'sample.1.lzo'), fixture('lzop', 'sample.csv'), LzopFormatError],
  ['an lzop object with CRC-32 checksums', how('lzop'), fixture('lzop', 'sample.crc32.lzo'), fixture('lzop', 'sample.csv'), LzopFormatError],
  ['a gzip object', how('gzip'), gzipSync(fixture('lzop', 'sample.csv')), fixture('lzop', 'sample.csv'), CompressedDataError],
  ['a zstd object', how('zstd'), ZSTD_FSE_WEIGHTS_SAMPLE, undefined, CompressedDataError],
])('%s', (_name, compression, object, original, formatError) => {
  it(`is read intact or fails with the format's error, in ${CASES} seeded corruptions`, async () => {
    const read = (bytes: Uint8Array, chunk: number) => concatBytes(decompress('sample', chunked(bytes, chunk), compression, { codecs, decodeTimeoutMs: 250 }));
    const intact = Buffer.from(await read(object, 1 << 16));
    if (original !== undefined) expect(intact.equals(Buffer.from(original))).toBe(true);
    const rng = new Prng(20261206);
    let failed = 0;
    for (let t = 0; t < CASES; t++) {
      const damaged = corrupt(object, rng);
      const chunk = 1 + rng.int(4096);
      try {
        const bytes = Buffer.from(await read(damaged, chunk));
        expect({ t, equal: bytes.equals(intact) }).toEqual({ t, equal: true });
      } catch (error) {
        if (!(error instanceof formatError || error instanceof CompressionMismatchError)) throw error;
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(CASES / 2);
  });
});
