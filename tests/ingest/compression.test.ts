/**
 * The decompression layer: which compression an object is read with, what its
 * first bytes say, and the gzip (RFC 1952) and zstd (RFC 8878) readers over
 * chunks of a few bytes.
 */
import { deflateRawSync, gzipSync } from 'zlib';
import { crc32 } from '../../ingest/checksum';
import {
  CompressedDataError,
  CompressionMismatchError,
  DEFAULT_MAX_ZSTD_WINDOW,
  LzopFormatError,
  UnsupportedCompressionError,
  ingestObject,
  createLzoRegistry,
  decompress,
  readGzip,
  readZstd,
  sniffFormat,
} from '../../ingest';
import { ObjectCompression, compressionOf } from '../../lib/catalog';
import { parseConfig } from '../../lib/config';
import { ZSTD_FSE_WEIGHTS_SAMPLE, ZSTD_SAMPLE, chunked, concatBytes, fixture, xxh64Reference, zstdFrame } from './helpers';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const codecs = createLzoRegistry();
const read = (key: string, bytes: Uint8Array, how: ObjectCompression, size = 3) => concatBytes(decompress(key, chunked(bytes, size), how, { codecs }));

describe('compressionOf', () => {
  test.each([
    ['2011-01.csv.lzo', 'lzop', 'the extension .lzo'],
    ['landing/ORDERS.CSV.GZ', 'gzip', 'the extension .GZ'],
    ['orders.csv.zst', 'zstd', 'the extension .zst'],
    ['orders.csv', 'none', 'no compression extension (.csv)'],
    ['orders.csv.bak', 'none', 'no compression extension (.bak)'],
    ['orders', 'none', 'no compression extension (none)'],
  ])('auto reads %s as %s (%s)', (key, compression, basis) => {
    expect(compressionOf(key, 'auto')).toEqual({ compression, basis });
  });

  it('auto finds no reader for the extensions of other compressions', () => {
    expect(compressionOf('x/orders.csv.BZ2', 'auto')).toEqual({
      unsupported: 'unsupported compression bzip2 (extension .BZ2); csv.compression reads lzop (.lzo), gzip (.gz), zstd (.zst) or none',
    });
    expect(compressionOf('orders.zip', 'auto')).toEqual({ unsupported: expect.stringMatching(/^unsupported compression zip \(extension \.zip\)/) });
  });

  it('ingestObject refuses a key of an unsupported compression by name', async () => {
    const config = parseConfig({ name: 'x', csv: { duplicates: 'keep' }, columns: { customer: { column: 'c' }, item: { column: 'i' }, time: { column: 't', format: 'ISO8601', timezone: 'UTC' } } }, 'x');
    await expect(ingestObject('x/orders.csv.xz', chunked(Buffer.from('c,i,t\n'), 3), config, { codecs }).next()).rejects.toThrow(
      new UnsupportedCompressionError('x/orders.csv.xz', 'unsupported compression xz (extension .xz); csv.compression reads lzop (.lzo), gzip (.gz), zstd (.zst) or none'),
    );
  });

  it('a compression named in the configuration applies to every key', () => {
    expect(compressionOf('orders.csv.bz2', 'gzip')).toEqual({ compression: 'gzip', basis: 'csv.compression: gzip' });
    expect(compressionOf('orders.csv.lzo', 'none')).toEqual({ compression: 'none', basis: 'csv.compression: none' });
  });
});

describe('sniffFormat', () => {
  test.each([
    ['an lzop file', fixture('lzop', 'sample.1.lzo'), 'lzop'],
    ['a gzip member', gzipSync('a'), 'gzip'],
    ['a zstd frame', ZSTD_SAMPLE.zstd, 'zstd'],
    ['a zstd skippable frame', Uint8Array.of(0x5e, 0x2a, 0x4d, 0x18, 0, 0, 0, 0), 'zstd'],
    ['bzip2', Buffer.from('BZh91AY&S'), 'bzip2'],
    ['xz', Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0), 'xz'],
    ['zip', Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0x14), 'zip'],
    ['Parquet', Buffer.from('PAR1\x15\x04'), 'Parquet'],
    ['CSV with CR, LF and tab', Buffer.from('a;b\r\n\tc'), 'text'],
    ['UTF-8 CSV', Buffer.from('Émile,Zoë'), 'text'],
    ['UTF-16LE text after its byte order mark', Uint8Array.of(0xff, 0xfe, 0x41, 0x00), 'UTF-16LE text'],
    ['UTF-16LE text without one', Buffer.from('a,b\r\n', 'utf16le'), 'UTF-16LE text'],
    ['UTF-16BE text after its byte order mark', Uint8Array.of(0xfe, 0xff, 0x00, 0x41), 'UTF-16BE text'],
    ['zero bytes among others', Uint8Array.of(0x41, 0x00, 0x00, 0x00), 'binary'],
    ['no bytes', new Uint8Array(0), 'empty'],
  ])('%s', (_what, bytes, format) => {
    expect(sniffFormat(bytes.subarray(0, 9))).toBe(format);
  });
});

describe('decompress: the first bytes confirm the compression', () => {
  const csv = Buffer.from('InvoiceNo,StockCode\n1,A\n');

  it('reads each compression to the same bytes, in chunks of 3 bytes', async () => {
    const plain = fixture('lzop', 'sample.csv');
    expect(text(await read('a.csv.lzo', fixture('lzop', 'sample.1.lzo'), { compression: 'lzop', basis: '' }))).toBe(text(plain));
    expect(text(await read('a.csv.gz', gzipSync(plain), { compression: 'gzip', basis: '' }))).toBe(text(plain));
    expect(text(await read('a.csv', plain, { compression: 'none', basis: '' }))).toBe(text(plain));
    expect(text(await read('a.csv.zst', ZSTD_SAMPLE.zstd, { compression: 'zstd', basis: '' }))).toBe(ZSTD_SAMPLE.text);
  });

  it('names the object, the compression and its basis, and what the bytes look like', async () => {
    const gz = compressionOf('landing/orders.csv.gz', 'auto') as ObjectCompression;
    await expect(read('landing/orders.csv.gz', csv, gz)).rejects.toThrow(new CompressionMismatchError('landing/orders.csv.gz', 'gzip', 'the extension .gz', 'text', csv.subarray(0, 9)));
    await expect(read('landing/orders.csv.gz', csv, gz)).rejects.toThrow(
      'landing/orders.csv.gz: the extension .gz says gzip, but the bytes look like plain text (starting "InvoiceNo")',
    );
    await expect(read('orders.csv', gzipSync(csv), { compression: 'none', basis: 'no compression extension (.csv)' })).rejects.toThrow(
      /^orders\.csv: no compression extension \(\.csv\) says uncompressed CSV, but the bytes look like gzip \(starting 1f 8b 08 00/,
    );
    await expect(read('x.csv.zst', gzipSync(csv), { compression: 'zstd', basis: 'csv.compression: zstd' })).rejects.toThrow(/^x\.csv\.zst: csv\.compression: zstd says zstd, but the bytes look like gzip/);
    await expect(read('x.csv.lzo', gzipSync(csv), { compression: 'lzop', basis: 'the extension .lzo' })).rejects.toThrow(/^x\.csv\.lzo: the extension \.lzo says lzop, but the bytes look like gzip/);
    await expect(read('x.csv.gz', new Uint8Array(0), { compression: 'gzip', basis: 'the extension .gz' })).rejects.toThrow(
      'x.csv.gz: the extension .gz says gzip, but the bytes look like nothing (the object is empty) (starting no bytes)',
    );
    await expect(read('x.csv', Uint8Array.of(0x00, 0x01, 0xfe, 0x41), { compression: 'none', basis: 'csv.compression: none' })).rejects.toThrow(
      'x.csv: csv.compression: none says uncompressed CSV, but the bytes look like binary data of no known format (starting 00 01 fe 41)',
    );
    // UTF-16 text is text: its encoding is the text layer's to check (toUtf8).
    expect([...(await read('x.csv', Uint8Array.of(0xff, 0xfe, 0x41, 0x00), { compression: 'none', basis: 'csv.compression: none' }))]).toEqual([0xff, 0xfe, 0x41, 0x00]);
  });

  it('leaves a wrong lzop start of no known format to the lzop reader, as before', async () => {
    const bad = fixture('lzop', 'sample.1.lzo');
    bad[1] = 0;
    await expect(read('bad.csv.lzo', bad, { compression: 'lzop', basis: 'the extension .lzo' })).rejects.toThrow(LzopFormatError);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < 1000; i++) yield Buffer.from('abc,def\n');
      } finally {
        closed = true;
      }
    }
    for await (const bytes of decompress('x.csv', source(), { compression: 'none', basis: '' }, { codecs })) {
      expect(bytes.length).toBeGreaterThan(0);
      break;
    }
    expect(closed).toBe(true);
  });
});

describe('readGzip (RFC 1952)', () => {
  const body = Buffer.from('a,b\n'.repeat(100_000));

  it('reads members one after another, in chunks of a byte, and yields chunks of at most 256 KiB', async () => {
    const object = Buffer.concat([gzipSync(body), gzipSync('c,d\n')]);
    const sizes: number[] = [];
    const out: Uint8Array[] = [];
    for await (const b of readGzip(chunked(object, 1), { objectKey: 'k.gz' })) {
      sizes.push(b.length);
      out.push(b);
    }
    expect(Buffer.concat(out).toString()).toBe(`${body}c,d\n`);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024);
  });

  it('fails a truncated or corrupt object naming it and the byte', async () => {
    const gz = gzipSync(body);
    const fails = (bytes: Uint8Array) => concatBytes(readGzip(chunked(bytes, 1000), { objectKey: 'landing/x.csv.gz' }));
    await expect(fails(gz.subarray(0, gz.length - 10))).rejects.toThrow(
      `landing/x.csv.gz: gzip data cannot be read at byte ${gz.length - 10}: truncated deflate data: the object ends inside the member's deflate stream (zlib: unexpected end of file)`,
    );
    await expect(fails(gz.subarray(0, gz.length - 3))).rejects.toThrow(
      `landing/x.csv.gz: gzip data cannot be read at byte ${gz.length - 8}: truncated member trailer (CRC32, ISIZE): expected 8 bytes, found 5 before the end of the object`,
    );
    const corrupt = Buffer.from(gz);
    corrupt[gz.length - 6] ^= 0xff; // the CRC-32 of the member
    const crc = gz.readUInt32LE(gz.length - 8).toString(16).padStart(8, '0');
    const stored = corrupt.readUInt32LE(gz.length - 8).toString(16).padStart(8, '0');
    await expect(fails(corrupt)).rejects.toThrow(
      `landing/x.csv.gz: gzip data cannot be read at byte ${gz.length - 8}: CRC-32 ${stored} does not match the member's content (CRC-32 ${crc}): the object is corrupt`,
    );
    const shorter = Buffer.from(gz);
    shorter.writeUInt32LE(body.length - 1, gz.length - 4);
    await expect(fails(shorter)).rejects.toThrow(`at byte ${gz.length - 4}: ISIZE ${body.length - 1} does not match the member's content (${body.length} bytes)`);
    const invalid = Buffer.from(gz);
    invalid[10] = 0xff; // BFINAL 1, BTYPE 11: reserved
    await expect(fails(invalid)).rejects.toThrow('landing/x.csv.gz: gzip data cannot be read at byte 10: invalid deflate data (zlib: invalid block type)');
    await expect(fails(Buffer.from('a,b\n'))).rejects.toThrow('landing/x.csv.gz: gzip data cannot be read at byte 0: not a gzip member: expected 1f 8b 08, found 61 2c 62');
  });

  it('refuses any byte after the last member that does not start a member, a zero byte included, naming the byte', async () => {
    const first = gzipSync(body.subarray(0, 400));
    const second = gzipSync('c,d\n');
    const fails = (tail: Uint8Array, size: number) => concatBytes(readGzip(chunked(Buffer.concat([first, tail]), size), { objectKey: 'k.gz' }));
    // Each at the end of a chunk and inside one: the member ends either way.
    for (const size of [1, first.length, 7, 1 << 20]) {
      const at = `k.gz: gzip data cannot be read at byte ${first.length}: bytes after the last member that are not a member: expected 1f 8b 08`;
      // node:zlib's gunzip stopped at the zero byte and dropped the member after it.
      await expect(fails(Buffer.concat([Uint8Array.of(0), second]), size)).rejects.toThrow(`${at}, found 00 1f 8b`);
      await expect(fails(Buffer.from('\0GARBAGE'), size)).rejects.toThrow(`${at}, found 00 47 41`);
      await expect(fails(Buffer.from('GARBAGE'), size)).rejects.toThrow(`${at}, found 47 41 52`);
      // gzip -d takes zeros there for tape padding; here they may as well be lost data.
      await expect(fails(new Uint8Array(512), size)).rejects.toThrow(`${at}, found 00 00 00`);
      await expect(fails(Uint8Array.of(0x1f), size)).rejects.toThrow(`${at}, found 1f`);
      await expect(fails(Uint8Array.of(0x1f, 0x8b, 0x09), size)).rejects.toThrow(`${at}, found 1f 8b 09`);
      expect(text(await fails(second, size))).toBe(`${body.subarray(0, 400)}c,d\n`);
    }
  });

  it('reads the optional header fields, checks the header CRC16 and refuses reserved flag bits', async () => {
    const content = Buffer.from('a,b\n1,2\n');
    const u16 = (n: number) => Uint8Array.of(n & 0xff, n >> 8);
    const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    const fields = Buffer.concat([u16(3), Buffer.from('xyz'), Buffer.from('orders.csv\0'), Buffer.from('a comment\0')]);
    // FLG: FHCRC | FEXTRA | FNAME | FCOMMENT, MTIME 0, XFL 0, OS 3 (Unix).
    const head = Buffer.concat([Uint8Array.of(0x1f, 0x8b, 0x08, 0x1e, 0, 0, 0, 0, 0, 3), fields]);
    const member = (crc16: number) => Buffer.concat([head, u16(crc16), deflateRawSync(content), u32(crc32(content)), u32(content.length)]);
    const read = (bytes: Uint8Array) => concatBytes(readGzip(chunked(bytes, 5), { objectKey: 'k.gz' }));
    expect(text(await read(member(crc32(head) & 0xffff)))).toBe(text(content));
    await expect(read(member(~crc32(head) & 0xffff))).rejects.toThrow(
      `k.gz: gzip data cannot be read at byte ${head.length}: header CRC16 ${(~crc32(head) & 0xffff).toString(16).padStart(4, '0')} does not match the header (${(crc32(head) & 0xffff).toString(16).padStart(4, '0')})`,
    );
    const reserved = gzipSync(content);
    reserved[3] = 0x20;
    await expect(read(reserved)).rejects.toThrow('k.gz: gzip data cannot be read at byte 3: reserved flag bits set in FLG 20');
    await expect(read(head.subarray(0, 20))).rejects.toThrow('k.gz: gzip data cannot be read at byte 20: truncated member header: the file name has no terminating zero byte before the end of the object');
  });

  it('passes on the source\'s own errors as they are', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield gzipSync(body).subarray(0, 100);
      throw new Error('connection reset');
    }
    await expect(concatBytes(readGzip(failing(), { objectKey: 'k' }))).rejects.toThrow(/^connection reset$/);
  });
});

describe('readZstd (RFC 8878)', () => {
  const lines = Buffer.from('x,1\n'.repeat(1000));

  it('reads compressed blocks written by zstd -19, in chunks of a byte', async () => {
    expect(text(await concatBytes(readZstd(chunked(ZSTD_SAMPLE.zstd, 1), { objectKey: 'k' })))).toBe(ZSTD_SAMPLE.text);
  });

  it('reads raw and RLE blocks, frames one after another and skippable frames', async () => {
    const skippable = Buffer.concat([Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0), Buffer.from('skip!')]);
    const object = Buffer.concat([
      skippable,
      zstdFrame([{ raw: lines.subarray(0, 2000) }, { rle: 0x0a, size: 3 }, { raw: lines.subarray(2000) }], { checksum: true }),
      ZSTD_SAMPLE.zstd,
      skippable,
    ]);
    const out = text(await concatBytes(readZstd(chunked(object, 7), { objectKey: 'k' })));
    expect(out).toBe(`${lines.subarray(0, 2000)}\n\n\n${lines.subarray(2000)}${ZSTD_SAMPLE.text}`);
  });

  it('refuses a window over the limit (8 MiB by default) before allocating it, and a block over Block_Maximum_Size', async () => {
    expect(DEFAULT_MAX_ZSTD_WINDOW).toBe(8 * 1024 * 1024);
    const fails = (bytes: Uint8Array, maxWindowSize?: number) => concatBytes(readZstd(chunked(bytes, 5), { objectKey: 'big.csv.zst', maxWindowSize }));
    await expect(fails(zstdFrame([{ rle: 0x0a, size: 10 }], { windowLog: 30 }))).rejects.toThrow(
      new CompressedDataError('big.csv.zst', 'zstd', 'window of 1073741824 bytes over the limit of 8388608 bytes (zstd --long or --ultra levels write such frames)', 4),
    );
    expect(text(await fails(zstdFrame([{ rle: 0x0a, size: 10 }], { windowLog: 23 })))).toBe('\n'.repeat(10));
    await expect(fails(zstdFrame([{ rle: 0x0a, size: 10 }], { windowLog: 23 }), 1 << 22)).rejects.toThrow(/window of 8388608 bytes over the limit of 4194304 bytes/);
    await expect(fails(zstdFrame([{ rle: 0x0a, size: 128 * 1024 + 1 }]))).rejects.toThrow('big.csv.zst: zstd data cannot be read at byte 6: block of 131073 bytes over Block_Maximum_Size 131072');
    await expect(fails(zstdFrame([{ rle: 0x0a, size: 2000 }], { windowLog: 10 }))).rejects.toThrow(/block of 2000 bytes over Block_Maximum_Size 1024/);
  });

  it('fails a truncated frame, trailing bytes, a dictionary frame and invalid data, naming the object and the byte', async () => {
    const fails = (bytes: Uint8Array) => concatBytes(readZstd(chunked(bytes, 4), { objectKey: 'k.zst' }));
    const frame = zstdFrame([{ raw: lines }]);
    await expect(fails(frame.subarray(0, frame.length - 1))).rejects.toThrow('k.zst: zstd data cannot be read at byte 9: truncated block (block at byte 6): expected 4000 bytes, found 3999 before the end of the object');
    await expect(fails(Buffer.concat([frame, Buffer.from('junk')]))).rejects.toThrow('k.zst: zstd data cannot be read at byte 4009: bytes after the last frame that are not a frame: expected 28 b5 2f fd, found 6a 75 6e 6b');
    await expect(fails(zstdFrame([{ raw: lines }], { dictionaryId: 7 }))).rejects.toThrow('k.zst: zstd data cannot be read at byte 4: the frame needs dictionary 7; frames compressed with a dictionary are not supported');
    const corrupt = Buffer.from(ZSTD_SAMPLE.zstd);
    corrupt[20] ^= 0xff;
    await expect(fails(corrupt)).rejects.toThrow(CompressedDataError);
    await expect(fails(Buffer.from('not zstd'))).rejects.toThrow('k.zst: zstd data cannot be read at byte 0: not a zstd frame: expected 28 b5 2f fd, found 6e 6f 74 20');
  });

  it('fails a block the decoder does not finish within the time limit, naming the block, and reads the block intact', async () => {
    const read = (bytes: Uint8Array, decodeTimeoutMs?: number) => concatBytes(readZstd(chunked(bytes, 64), { objectKey: 'k.zst', decodeTimeoutMs }));
    const intact = text(await read(ZSTD_FSE_WEIGHTS_SAMPLE));
    expect(intact).toHaveLength(600);
    expect(intact).toMatch(/^InvoiceNo,StockCode,Description,/);
    // fzstd 0.1.1 loops forever on this block: without the limit the test would time out.
    const looping = Buffer.from(ZSTD_FSE_WEIGHTS_SAMPLE);
    looping[14] ^= 0xd0;
    await expect(read(looping, 200)).rejects.toThrow('k.zst: zstd data cannot be read at byte 7: the decoder ran for more than 200 ms, which valid data never needs: the block is corrupt');
  });

  it('verifies the content checksum of each frame, and fails a frame whose content does not match it', async () => {
    const read = (bytes: Uint8Array) => concatBytes(readZstd(chunked(bytes, 9), { objectKey: 'k.zst' }));
    const blocks = [{ raw: lines.subarray(0, 1500) }, { rle: 0x0a, size: 40 }, { raw: lines.subarray(1500, 1537) }];
    const content = Buffer.from(`${lines.subarray(0, 1500)}${'\n'.repeat(40)}${lines.subarray(1500, 1537)}`);
    const good = zstdFrame(blocks, { checksum: true });
    expect(text(await read(Buffer.concat([good, good])))).toBe(`${content}${content}`);
    // A raw block's byte changed in transit: every header is intact, only the checksum can tell.
    const flipped = Buffer.from(good);
    flipped[6 + 3 + 100] ^= 0x01;
    const changed = Buffer.from(content);
    changed[100] ^= 0x01;
    const computed = Number(xxh64Reference(changed) & 0xffffffffn).toString(16).padStart(8, '0');
    const stored = flipped.subarray(flipped.length - 4).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    await expect(read(Buffer.concat([good, flipped]))).rejects.toThrow(
      `k.zst: zstd data cannot be read at byte ${2 * good.length - 4}: content checksum ${stored} does not match the frame's content (XXH64 low 32 bits ${computed}): the object is corrupt`,
    );
    await expect(read(zstdFrame(blocks, { checksum: 0x12345678 }))).rejects.toThrow(`at byte ${good.length - 4}: content checksum 78 56 34 12 does not match`);
  });

  it('returns xxh64 as the checksum of the content only when there are frames and every one carries it', async () => {
    const returned = async (bytes: Uint8Array) => {
      const it = readZstd(chunked(bytes, 7), { objectKey: 'k.zst' });
      let r = await it.next();
      while (!r.done) r = await it.next();
      return r.value;
    };
    const checked = zstdFrame([{ raw: lines }], { checksum: true });
    const skippable = Buffer.concat([Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0), Buffer.from('skip!')]);
    expect(await returned(Buffer.concat([checked, skippable, checked]))).toEqual(['xxh64']);
    expect(await returned(Buffer.concat([checked, zstdFrame([{ raw: lines }])]))).toEqual([]);
    expect(await returned(skippable)).toEqual([]);
  });

  it('reads frames too small for the decoder to start on, each with its own content and checksum', async () => {
    // fzstd holds back a frame's first 18 bytes until it has them all: a whole frame can be shorter.
    const tiny = (content: string, checksum = true) => zstdFrame([{ raw: Buffer.from(content) }], { checksum });
    const big = zstdFrame([{ raw: lines }], { checksum: true });
    const read = (bytes: Uint8Array) => concatBytes(readZstd(chunked(bytes, 5), { objectKey: 'k.zst' }));
    expect(tiny('a,b\n1,2\n').length).toBeLessThan(22);
    expect(text(await read(tiny('a,b\n1,2\n')))).toBe('a,b\n1,2\n');
    expect(text(await read(Buffer.concat([big, tiny('x\n')])))).toBe(`${lines}x\n`);
    expect(text(await read(Buffer.concat([tiny('x\n', false), big])))).toBe(`x\n${lines}`);
    expect(text(await read(Buffer.concat([tiny('h\n'), tiny('1\n'), tiny('2\n')])))).toBe('h\n1\n2\n');
  });
});
