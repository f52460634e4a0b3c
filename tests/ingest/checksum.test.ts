import { crc32 as zlibCrc32 } from 'zlib';
import { adler32, crc32, crc32Portable } from '../../ingest/checksum';
import { fixture } from './helpers';

describe('checksums', () => {
  it('match the RFC 1950 / zlib check values', () => {
    const wiki = new TextEncoder().encode('Wikipedia');
    expect(adler32(wiki)).toBe(0x11e60398);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(adler32(new Uint8Array(0))).toBe(1);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agree with zlib on real data, whole and incrementally (adler32 past NMAX)', () => {
    const data = fixture('lzop', 'random.bin');
    if (typeof zlibCrc32 === 'function') expect(crc32Portable(data)).toBe(zlibCrc32(data));
    expect(crc32(data)).toBe(crc32Portable(data));
    expect(crc32Portable(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    for (const cut of [0, 1, 3, 2049, 4095]) {
      expect(crc32(data, crc32(data, 0, 0, cut), cut)).toBe(crc32(data));
      expect(crc32Portable(data, crc32Portable(data, 0, 0, cut), cut)).toBe(crc32Portable(data));
      const end = Math.min(cut + 100, data.length);
      expect(crc32(data, 7, cut, end)).toBe(crc32Portable(data, 7, cut, end));
      expect(adler32(data, adler32(data, 1, 0, cut), cut)).toBe(adler32(data));
    }
    const big = new Uint8Array(20000).fill(0xff); // sums overflow without the NMAX modulo
    let a = 1;
    let b = 0;
    for (const x of big) {
      a = (a + x) % 65521;
      b = (b + a) % 65521;
    }
    expect(adler32(big)).toBe(((b << 16) | a) >>> 0);
  });
});
