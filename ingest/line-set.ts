/**
 * Exact-duplicate detection for lines (as UTF-8 bytes) with bounded memory: an
 * open-addressing hash table (linear probing, load ≤ 1/2) of 64-bit line hashes
 * in typed arrays, 12 bytes per slot, remembering the first line number of each text.
 *
 * Hash: two MurmurHash3-style 32-bit hashes over the bytes with different seeds
 * and rotations, both covering the length. Two different lines collide with
 * probability ~n²/2^65 for n lines (about 1e-7 for 1e6 lines).
 */
/** Globals bound once: hot loops then avoid a global lookup per iteration (slow in `vm` contexts such as jest's). */
const imul = Math.imul;

/** MurmurHash3 finalisation mix (`fmix32`). */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class LineSet {
  private h1: Int32Array;
  private h2: Int32Array;
  /** First line number of the text in the slot; 0 = empty slot. */
  private line: Int32Array;
  private used = 0;

  constructor(initialSlots = 1 << 16) {
    let slots = 16;
    while (slots < initialSlots) slots <<= 1;
    this.h1 = new Int32Array(slots);
    this.h2 = new Int32Array(slots);
    this.line = new Int32Array(slots);
  }

  /** Distinct texts held. */
  get size(): number {
    return this.used;
  }

  /**
   * Records the line whose bytes are `bytes[begin, end)`, first seen at `lineNo`
   * (≥ 1), unless an identical line is already present.
   * @returns the line number of the earlier identical line, or 0 when it is new.
   */
  addOrGet(bytes: Uint8Array, begin: number, end: number, lineNo: number): number {
    // Two MurmurHash3 x86_32 hashes (Austin Appleby, public domain) with different
    // seeds, over little-endian 32-bit words and the 0–3 byte tail.
    let a = 0x811c9dc5 ^ (end - begin);
    let b = 0x9747b28c;
    let i = begin;
    for (const stop = end - 3; i < stop; i += 4) {
      let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
      k = imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = imul(k, 0x1b873593);
      a ^= k;
      a = (a << 13) | (a >>> 19);
      a = (imul(a, 5) + 0xe6546b64) | 0;
      b ^= k;
      b = (b << 17) | (b >>> 15);
      b = (imul(b, 9) + 0x52dce729) | 0;
    }
    let k = 0;
    for (let shift = 0; i < end; i++, shift += 8) k |= bytes[i] << shift;
    k = imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = imul(k, 0x1b873593);
    a = fmix(a ^ k);
    b = fmix(b ^ k ^ (end - begin));
    const mask = this.line.length - 1;
    let slot = (a ^ imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const at = this.line[slot];
      if (at === 0) break;
      if (this.h1[slot] === a && this.h2[slot] === b) return at;
      slot = (slot + 1) & mask;
    }
    this.h1[slot] = a;
    this.h2[slot] = b;
    this.line[slot] = lineNo;
    if (++this.used * 2 > this.line.length) this.rehash();
    return 0;
  }

  private rehash(): void {
    const { h1, h2, line } = this;
    const slots = line.length * 2;
    this.h1 = new Int32Array(slots);
    this.h2 = new Int32Array(slots);
    this.line = new Int32Array(slots);
    const mask = slots - 1;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === 0) continue;
      let slot = (h1[i] ^ imul(h2[i], 0x9e3779b1)) & mask;
      while (this.line[slot] !== 0) slot = (slot + 1) & mask;
      this.h1[slot] = h1[i];
      this.h2[slot] = h2[i];
      this.line[slot] = line[i];
    }
  }
}
