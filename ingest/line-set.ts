/**
 * Exact-duplicate detection for lines of text with bounded memory: an
 * open-addressing hash table (linear probing, load ≤ 1/2) of 64-bit line hashes
 * in typed arrays, 24 bytes per slot, remembering the first line number of each text.
 *
 * Hash: FNV-1a 32 (Fowler–Noll–Vo) and a MurmurHash2-style 32-bit mix over the
 * UTF-16 code units, the second seeded with the length. Two different lines
 * collide with probability ~n²/2^65 for n lines (about 1e-7 for 1e6 lines).
 */
/** Globals bound once: hot loops then avoid a global lookup per iteration (slow in `vm` contexts such as jest's). */
const imul = Math.imul;

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
   * Records `text` first seen at `lineNo` (≥ 1) unless already present.
   * @returns the line number of the earlier identical text, or 0 when `text` is new.
   */
  addOrGet(text: string, lineNo: number): number {
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = imul(a ^ c, 0x01000193);
      b = imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    b = imul(b ^ (b >>> 15), 0x5bd1e995);
    b ^= b >>> 13;
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
