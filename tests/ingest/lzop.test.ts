import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { adler32, crc32 } from '../../ingest/checksum';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { LZOP_FLAGS, LzopFormatError, LzopHeader, readLzop } from '../../ingest/lzop';
import { FIXTURES, chunked, concatBytes, corruptWithoutChecksums, fixture } from './helpers';

const codecs = createLzoRegistry();
const sample = fixture('lzop', 'sample.csv');
const random = fixture('lzop', 'random.bin');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sums = new Map(
  readFileSync(join(FIXTURES, 'lzop', 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => {
    const [digest, name] = l.split(/\s+/);
    return [name, digest] as const;
  }),
);

const decode = (bytes: Uint8Array, chunk = 3, maxBlockSize?: number, onHeader?: (h: LzopHeader) => void) =>
  concatBytes(readLzop(chunked(bytes, chunk), { objectKey: 'raw/x.csv.lzo', codecs, maxBlockSize, onHeader }));

/** Offsets inside a header written by lzop 1.04 (version >= 0x0940). */
const AT = { method: 15, flags: 17, mtime: 25, nameLen: 33 };
const nameLen = (b: Uint8Array) => b[AT.nameLen];
const headerChecksumAt = (b: Uint8Array) => AT.nameLen + 1 + nameLen(b);
const firstBlockAt = (b: Uint8Array) => headerChecksumAt(b) + 4;
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
/** Rewrites the header checksum after an edit, so only the edited field is wrong. */
function resum(b: Uint8Array): Uint8Array {
  const flags = view(b).getUint32(AT.flags);
  const fn = flags & LZOP_FLAGS.crc32Header ? crc32 : adler32;
  view(b).setUint32(headerChecksumAt(b), fn(b.subarray(9, headerChecksumAt(b))));
  return b;
}

describe('readLzop on files written by lzop 1.04', () => {
  it.each(['sample.1.lzo', 'sample.7.lzo', 'sample.9.lzo', 'sample.nocheck.lzo', 'sample.crc32.lzo'])(
    '%s decodes byte-identical to sample.csv in 3-byte chunks',
    async (name) => {
      const out = await decode(fixture('lzop', name));
      expect(sha(out)).toBe(sums.get('sample.csv'));
      expect(Buffer.from(out).equals(Buffer.from(sample))).toBe(true);
    },
  );

  it('reads the method, level, flags and name of each header', async () => {
    const headers: LzopHeader[] = [];
    await decode(fixture('lzop', 'sample.9.lzo'), 7, undefined, (h) => headers.push(h));
    expect(headers).toEqual([expect.objectContaining({ method: 3, level: 9, name: 'sample.csv', offset: 0 })]);
    expect(headers[0].flags & LZOP_FLAGS.adler32D).toBe(LZOP_FLAGS.adler32D);
  });

  it('decodes a stored (incompressible) block', async () => {
    const file = fixture('lzop', 'random.lzo');
    const at = firstBlockAt(file);
    expect(view(file).getUint32(at)).toBe(4096); // dst_len
    expect(view(file).getUint32(at + 4)).toBe(4096); // src_len == dst_len: stored
    expect(sha(await decode(file, 5))).toBe(sums.get('random.bin'));
  });

  it('decodes a multi-block file (> 256 KiB) block by block', async () => {
    const blocks: number[] = [];
    for await (const b of readLzop(chunked(fixture('lzop', 'repeat.lzo'), 1000), { objectKey: 'k', codecs })) blocks.push(b.length);
    expect(blocks).toEqual([262144, 327600 - 262144]);
    expect(sha(await decode(fixture('lzop', 'repeat.lzo'), 4096))).toBe(sums.get('repeat.csv'));
  });

  it('decodes concatenated members (adler32, stored, crc32) in order', async () => {
    const out = await decode(fixture('lzop', 'concat.lzo'), 3);
    expect(Buffer.from(out).equals(Buffer.concat([sample, random, sample]))).toBe(true);
  });

  it('decodes a member without blocks to no bytes', async () => {
    expect((await decode(fixture('lzop', 'empty.lzo'))).length).toBe(0);
  });

  it('verifies compressed-data checksums (F_ADLER32_C, F_CRC32_C) when present', async () => {
    // lzop's CLI never writes them: rebuild sample.1.lzo with both c-checksums added.
    const src = fixture('lzop', 'sample.1.lzo');
    const at = firstBlockAt(src);
    const dv = view(src);
    const dst = dv.getUint32(at);
    const len = dv.getUint32(at + 4);
    const dAdler = dv.getUint32(at + 8);
    const data = src.subarray(at + 12, at + 12 + len);
    const build = (cAdler: number) => {
      const head = src.slice(0, at);
      view(head).setUint32(AT.flags, view(head).getUint32(AT.flags) | LZOP_FLAGS.adler32C | LZOP_FLAGS.crc32C);
      resum(head);
      const block = new Uint8Array(20);
      const bv = view(block);
      bv.setUint32(0, dst);
      bv.setUint32(4, len);
      bv.setUint32(8, dAdler);
      bv.setUint32(12, cAdler);
      bv.setUint32(16, crc32(data));
      return Buffer.concat([head, block, data, new Uint8Array(4)]);
    };
    expect(Buffer.from(await decode(build(adler32(data)))).equals(Buffer.from(sample))).toBe(true);
    await expect(decode(build(adler32(data) ^ 1))).rejects.toThrow(
      `raw/x.csv.lzo: adler32 of compressed block mismatch (block at byte ${at}) at byte ${at + 8}: expected 0x${(adler32(data) ^ 1).toString(16).padStart(8, '0')}, found 0x${adler32(data).toString(16).padStart(8, '0')}`,
    );
  });
});

describe('readLzop on corrupt objects', () => {
  const base = () => fixture('lzop', 'sample.1.lzo');
  const expectError = async (bytes: Uint8Array, message: string | RegExp, maxBlockSize?: number) => {
    const err = await decode(bytes, 3, maxBlockSize).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LzopFormatError);
    expect((err as Error).message).toMatch(message);
  };

  it('wrong magic', async () => {
    const b = base();
    b[1] = 0x4d;
    await expectError(b, 'raw/x.csv.lzo: not an lzop file (wrong magic) at byte 0: expected 89 4c 5a 4f 00 0d 0a 1a 0a, found 89 4d 5a 4f 00 0d 0a 1a 0a');
  });

  it('a CSV that was never compressed', async () => {
    await expectError(sample, /not an lzop file \(wrong magic\) at byte 0: .* found 49 6e 76 6f/);
  });

  it('unknown method', async () => {
    const b = base();
    b[AT.method] = 99;
    await expectError(resum(b), 'unknown method at byte 15: expected one of 1, 2, 3, found 99');
  });

  it('unknown flag bits', async () => {
    const b = base();
    view(b).setUint32(AT.flags, view(b).getUint32(AT.flags) | 0x4000);
    await expectError(resum(b), /unknown flag bits at byte 17: expected none of 0x000fc000, found 0x03004001/);
  });

  it('header checksum mismatch', async () => {
    const b = base();
    b[AT.mtime] ^= 0xff;
    await expectError(b, new RegExp(`header adler32 mismatch at byte ${headerChecksumAt(b)}: expected 0x[0-9a-f]{8}, found 0x[0-9a-f]{8}`));
  });

  it('header crc32 mismatch (F_H_CRC32)', async () => {
    const b = fixture('lzop', 'sample.crc32.lzo');
    b[AT.mtime] ^= 0xff;
    await expectError(b, /header crc32 mismatch at byte \d+/);
  });

  it('decompressed-block adler32 mismatch (stored block)', async () => {
    const b = fixture('lzop', 'random.lzo');
    const at = firstBlockAt(b);
    b[at + 12 + 100] ^= 0x01;
    await expectError(b, new RegExp(`adler32 of decompressed block mismatch \\(block at byte ${at}\\) at byte ${at + 8}`));
  });

  it('decompressed-block crc32 mismatch (third member of concat.lzo)', async () => {
    const b = fixture('lzop', 'concat.lzo');
    const third = fixture('lzop', 'sample.1.lzo').length + fixture('lzop', 'random.lzo').length;
    const block = third + firstBlockAt(fixture('lzop', 'sample.crc32.lzo'));
    const stored = view(b).getUint32(block + 8);
    view(b).setUint32(block + 8, stored ^ 0x80);
    const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
    await expectError(b, `raw/x.csv.lzo: crc32 of decompressed block mismatch (block at byte ${block}) at byte ${block + 8}: expected ${hex(stored ^ 0x80)}, found ${hex(stored)}`);
  });

  it('a flipped literal in compressed data fails the decompressed-block adler32', async () => {
    const b = base();
    b[b.length - 10] ^= 0x20;
    await expectError(b, /^raw\/x\.csv\.lzo: adler32 of decompressed block mismatch \(block at byte 48\) at byte 56: expected 0x[0-9a-f]{8}, found 0x[0-9a-f]{8}$/);
  });

  it('undecodable compressed data fails in the codec, naming the block', async () => {
    const b = base();
    const at = firstBlockAt(b);
    for (let i = at + 12; i < at + 40; i++) b[i] = 0xff;
    await expectError(b, `raw/x.csv.lzo: corrupt compressed data (block at byte ${at}, lzo1x: lookbehind overrun (distance 589) at compressed byte 241 after 238 decompressed bytes) at byte ${at + 12}: expected a valid stream of exactly 3276 bytes, found ${view(b).getUint32(at + 4)} bytes that do not decode to it`);
  });

  it('a corrupt block of a file without checksums (lzop -F) fails naming the block, and no stale bytes come out', async () => {
    const { bytes, blockAt } = corruptWithoutChecksums();
    const checks = LZOP_FLAGS.adler32D | LZOP_FLAGS.crc32D | LZOP_FLAGS.adler32C | LZOP_FLAGS.crc32C;
    expect(view(bytes).getUint32(AT.flags) & checks).toBe(0);
    const yielded: Uint8Array[] = [];
    const err = await (async () => {
      for await (const block of readLzop(chunked(bytes, 3), { objectKey: 'raw/x.csv.lzo', codecs })) yielded.push(block);
    })().then(() => undefined, (e: unknown) => e);
    expect(yielded).toEqual([]);
    expect(err).toBeInstanceOf(LzopFormatError);
    expect((err as Error).message).toBe(
      `raw/x.csv.lzo: corrupt compressed data (block at byte ${blockAt}, lzo1x: output underrun (end of stream 70 bytes short of 3276) at compressed byte 1495 after 3206 decompressed bytes) at byte ${blockAt + 8}: expected a valid stream of exactly 3276 bytes, found 1495 bytes that do not decode to it`,
    );
  });

  it('truncated header', async () => {
    await expectError(base().subarray(0, 20), 'truncated header (flags) at byte 17: expected 4 bytes, found 3 bytes before the end of the object');
  });

  it('truncated block', async () => {
    const b = base();
    await expectError(b.subarray(0, b.length - 10), /truncated block data \(block at byte \d+\) at byte \d+: expected \d+ bytes, found \d+ bytes before the end/);
  });

  it('missing end-of-member marker', async () => {
    const b = base();
    await expectError(b.subarray(0, b.length - 4), `truncated block header (dst_len) at byte ${b.length - 4}: expected 4 bytes, found 0 bytes`);
  });

  it('block over the size limit (decompression-bomb guard)', async () => {
    await expectError(base(), `block size over the limit at byte ${firstBlockAt(base())}: expected dst_len <= 1000, found 3276`, 1000);
  });

  it('src_len > dst_len', async () => {
    const b = base();
    view(b).setUint32(firstBlockAt(b) + 4, 5000);
    await expectError(b, `bad compressed block size at byte ${firstBlockAt(b) + 4}: expected 0 < src_len <= dst_len (3276), found 5000`);
  });

  it('trailing garbage after the last member', async () => {
    const b = Buffer.concat([base(), Buffer.from('garbage!!')]);
    await expectError(b, `trailing garbage after the last lzop member at byte ${base().length}: expected 89 4c 5a 4f 00 0d 0a 1a 0a, found 67 61 72`);
  });

  it('an empty object', async () => {
    await expectError(new Uint8Array(0), 'not an lzop file (wrong magic) at byte 0: expected 89 4c 5a 4f 00 0d 0a 1a 0a, found no bytes');
  });
});

describe('readLzop on header variants lzop writes or reads', () => {
  const src = () => fixture('lzop', 'sample.1.lzo');
  const u32be = (n: number) => {
    const b = new Uint8Array(4);
    view(b).setUint32(0, n >>> 0);
    return b;
  };

  /** sample.1.lzo with an extra field (F_H_EXTRA_FIELD) after the header checksum; its checksum covers length and bytes. */
  function withExtraField(corrupt: boolean): { bytes: Uint8Array; checksumAt: number } {
    const b = src();
    const head = b.slice(0, firstBlockAt(b));
    view(head).setUint32(AT.flags, view(head).getUint32(AT.flags) | LZOP_FLAGS.extraField);
    resum(head);
    const extra = new TextEncoder().encode('producer=pos-export v2');
    const len = u32be(extra.length);
    const sum = adler32(extra, adler32(len)) ^ (corrupt ? 1 : 0);
    const bytes = Buffer.concat([head, len, extra, u32be(sum), b.subarray(firstBlockAt(b))]);
    return { bytes, checksumAt: head.length + 4 + extra.length };
  }

  it('skips a checked extra field (F_H_EXTRA_FIELD)', async () => {
    expect(Buffer.from(await decode(withExtraField(false).bytes)).equals(Buffer.from(sample))).toBe(true);
  });

  it('refuses an extra field whose checksum does not match, naming its offset', async () => {
    const { bytes, checksumAt } = withExtraField(true);
    const err = await decode(bytes).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LzopFormatError);
    expect((err as Error).message).toMatch(new RegExp(`^raw/x\\.csv\\.lzo: extra field checksum mismatch at byte ${checksumAt}: expected 0x[0-9a-f]{8}, found 0x[0-9a-f]{8}$`));
  });

  /**
   * sample.1.lzo re-headed as an lzop 0.9x/1.0x container (version < 0x0940: no
   * version_needed_to_extract, no level, no mtime_high), as `read_header` of lzop 1.04 accepts.
   */
  function oldHeader(version: number): Uint8Array {
    const b = src();
    const name = b.subarray(AT.nameLen + 1, AT.nameLen + 1 + nameLen(b));
    const fields = Buffer.concat([
      Uint8Array.of(version >> 8, version & 0xff), b.subarray(11, 13), // version, lib_version
      b.subarray(AT.method, AT.method + 1), b.subarray(AT.flags, AT.flags + 4), // method, flags
      b.subarray(21, 29), Uint8Array.of(name.length), name, // mode, mtime_low, name
    ]);
    return Buffer.concat([b.subarray(0, 9), fields, u32be(adler32(fields)), b.subarray(firstBlockAt(b))]);
  }

  it.each([['0x0900', 0x0900], ['0x0930', 0x0930], ['0x0931', 0x0931]])('decodes a version %s header (pre-0.94 layout)', async (_, version) => {
    const headers: LzopHeader[] = [];
    const out = await decode(oldHeader(version), 5, undefined, (h) => headers.push(h));
    expect(Buffer.from(out).equals(Buffer.from(sample))).toBe(true);
    expect(headers[0]).toMatchObject({ version, versionNeeded: version, method: 2, level: 0, name: 'sample.csv' }); // lzop -1: LZO1X-1(15)
  });

  it('refuses a container that needs a newer lzop than 1.04 to extract', async () => {
    const b = src();
    view(b).setUint16(13, 0x2000); // version_needed_to_extract
    const err = await decode(resum(b)).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe('raw/x.csv.lzo: unsupported version_needed_to_extract at byte 13: expected 0x0900..0x1040, found 0x2000');
  });

  it('refuses a version older than lzop 0.90', async () => {
    const err = await decode(oldHeader(0x0800)).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe('raw/x.csv.lzo: unsupported lzop version at byte 9: expected >= 0x0900, found 0x0800');
  });
});
