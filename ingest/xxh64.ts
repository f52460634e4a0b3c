/**
 * XXH64 (xxHash 64-bit, seed 0), incremental, as the Zstandard frame's content
 * checksum needs it (RFC 8878 §3.1.1: the low 4 bytes of XXH64 of the frame's
 * decompressed content). Algorithm: the xxHash specification (Yann Collet,
 * `doc/xxhash_spec.md`, "XXH64 algorithm description"). JavaScript has no 64-bit
 * integer arithmetic short of BigInt, so every 64-bit value is a pair of
 * unsigned 32-bit halves (hi, lo) and products are built from 16-bit pieces.
 */

// The five primes of the specification, as (hi, lo) halves.
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

/** Bytes per stripe: four 8-byte lanes. */
const STRIPE = 32;

/**
 * Result of the 64-bit operations below: they write (hi, lo) here instead of
 * allocating, so the hot loop makes no objects.
 */
let rh = 0;
let rl = 0;

/** (ah, al) × (bh, bl) mod 2^64 into (rh, rl). */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  rh = (carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah, al) + (bh, bl) mod 2^64 into (rh, rl). */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** (h, l) rotated left by r bits (0 < r < 32) into (rh, rl). */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** The unsigned 32-bit little-endian word of `b` at `i`. */
const u32 = (b: Uint8Array, i: number): number => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/**
 * `v[2k], v[2k + 1]` (hi, lo) := round(that, lane) = rotl(that + lane × P2, 31) × P1,
 * the lane's halves being (xh, xl): the stripe loop's step, written out with
 * the primes' 16-bit pieces and locals only, as the hot loop wants it.
 */
function roundInto(v: Uint32Array, k: number, xh: number, xl: number): void {
  // t = lane × P2
  let a0 = xl & 0xffff;
  let a1 = xl >>> 16;
  let p00 = a0 * (P2L & 0xffff);
  let p01 = a0 * (P2L >>> 16);
  let p10 = a1 * (P2L & 0xffff);
  let mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const tl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const th = (a1 * (P2L >>> 16) + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(xh, P2L) + Math.imul(xl, P2H)) >>> 0;
  // s = acc + t
  const al = v[2 * k + 1] + tl;
  const sh = (v[2 * k] + th + (al > 0xffffffff ? 1 : 0)) >>> 0;
  const sl = al >>> 0;
  // r = rotl(s, 31)
  const qh = ((sh << 31) | (sl >>> 1)) >>> 0;
  const ql = ((sl << 31) | (sh >>> 1)) >>> 0;
  // r × P1
  a0 = ql & 0xffff;
  a1 = ql >>> 16;
  p00 = a0 * (P1L & 0xffff);
  p01 = a0 * (P1L >>> 16);
  p10 = a1 * (P1L & 0xffff);
  mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  v[2 * k + 1] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  v[2 * k] = a1 * (P1L >>> 16) + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(qh, P1L) + Math.imul(ql, P1H);
}

/** round(0, lane) as (hi, lo), the lane's halves being (xh, xl). */
function roundOfZero(xh: number, xl: number): Uint32Array {
  const r = new Uint32Array(2);
  roundInto(r, 0, xh, xl);
  return r;
}

/** An XXH64 (seed 0) over bytes given in pieces of any size. */
export class Xxh64 {
  /**
   * The four accumulators of the stripes as (hi, lo) halves: seed + P1 + P2,
   * seed + P2, seed, seed − P1 (mod 2^64; P1's low half is not 0, so 0 − P1
   * borrows nothing from the high half beyond the complement).
   */
  private readonly v = Uint32Array.of(
    P1H + P2H + (P1L + P2L > 0xffffffff ? 1 : 0),
    P1L + P2L,
    P2H,
    P2L,
    0,
    0,
    ~P1H,
    ~P1L + 1,
  );
  /** Bytes of an unfinished stripe. */
  private readonly held = new Uint8Array(STRIPE);
  private heldLength = 0;
  /** Bytes hashed so far (exact up to 2^53). */
  private total = 0;

  /** Adds `bytes[start, end)` to the hashed content. */
  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    this.total += end - start;
    let i = start;
    if (this.heldLength > 0) {
      const take = Math.min(STRIPE - this.heldLength, end - i);
      this.held.set(bytes.subarray(i, i + take), this.heldLength);
      this.heldLength += take;
      i += take;
      if (this.heldLength < STRIPE) return this;
      this.stripes(this.held, 0, STRIPE);
      this.heldLength = 0;
    }
    const whole = i + Math.floor((end - i) / STRIPE) * STRIPE;
    this.stripes(bytes, i, whole);
    this.held.set(bytes.subarray(whole, end), 0);
    this.heldLength = end - whole;
    return this;
  }

  /** The low 32 bits of the hash of everything added so far (the Zstandard Content_Checksum). */
  low32(): number {
    this.digest();
    return rl;
  }

  /** The hash of everything added so far, as 16 lowercase hex digits. */
  hex(): string {
    this.digest();
    return rh.toString(16).padStart(8, '0') + rl.toString(16).padStart(8, '0');
  }

  /** Consumes the whole stripes of `b[from, to)` ((to − from) a multiple of 32). */
  private stripes(b: Uint8Array, from: number, to: number): void {
    const v = this.v;
    for (let i = from; i < to; i += STRIPE) {
      roundInto(v, 0, u32(b, i + 4), u32(b, i));
      roundInto(v, 1, u32(b, i + 12), u32(b, i + 8));
      roundInto(v, 2, u32(b, i + 20), u32(b, i + 16));
      roundInto(v, 3, u32(b, i + 28), u32(b, i + 24));
    }
  }

  /** The final hash into (rh, rl); the state is left as it was. */
  private digest(): void {
    let h: number;
    let l: number;
    if (this.total >= STRIPE) {
      const v = this.v;
      const shifts = [1, 7, 12, 18];
      h = 0;
      l = 0;
      for (let k = 0; k < 4; k++) {
        rotl(v[2 * k], v[2 * k + 1], shifts[k]);
        add(h, l, rh, rl);
        h = rh;
        l = rl;
      }
      for (let k = 0; k < 4; k++) {
        // mergeRound(acc, v) = (acc ^ round(0, v)) × P1 + P4
        const r = roundOfZero(v[2 * k], v[2 * k + 1]);
        mul((h ^ r[0]) >>> 0, (l ^ r[1]) >>> 0, P1H, P1L);
        add(rh, rl, P4H, P4L);
        h = rh;
        l = rl;
      }
    } else {
      h = P5H;
      l = P5L;
    }
    add(h, l, Math.floor(this.total / 0x100000000) >>> 0, this.total >>> 0);
    h = rh;
    l = rl;
    const b = this.held;
    const n = this.heldLength;
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const r = roundOfZero(u32(b, i + 4), u32(b, i));
      rotl((h ^ r[0]) >>> 0, (l ^ r[1]) >>> 0, 27);
      mul(rh, rl, P1H, P1L);
      add(rh, rl, P4H, P4L);
      h = rh;
      l = rl;
    }
    if (i + 4 <= n) {
      mul(0, u32(b, i), P1H, P1L);
      rotl((h ^ rh) >>> 0, (l ^ rl) >>> 0, 23);
      mul(rh, rl, P2H, P2L);
      add(rh, rl, P3H, P3L);
      h = rh;
      l = rl;
      i += 4;
    }
    for (; i < n; i++) {
      mul(0, b[i], P5H, P5L);
      rotl((h ^ rh) >>> 0, (l ^ rl) >>> 0, 11);
      mul(rh, rl, P1H, P1L);
      h = rh;
      l = rl;
    }
    // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
    mul(h, (l ^ (h >>> 1)) >>> 0, P2H, P2L);
    mul((rh ^ (rh >>> 29)) >>> 0, (rl ^ ((rl >>> 29) | (rh << 3))) >>> 0, P3H, P3L);
    rl = (rl ^ rh) >>> 0;
  }
}
