/**
 * The input rows of the fast forward pass: for each candidate row, the
 * preprocessed features and the item and customer embedding rows, laid out as
 * the model's concatenation lays them out (`forward-network.ts`), so that the
 * first dense layer is one matrix product.
 *
 * Preprocessing dominates the JavaScript side (a log1p costs ~20 ns), so two
 * exact shortcuts skip most of it: a value equal to the same column's value in
 * the previous row (customer features repeat along a customer's rows, most
 * customer-item counts are 0) reuses that row's result, and small non-negative
 * integers (counts) read a per-column table. Both give the value
 * `transformValue` gives.
 */
import { FeatureMismatchError } from './errors';
import type { ForwardRows } from './forward';
import type { ForwardNetwork, InputBlock } from './forward-network';
import { toVocabIndex } from './model';
import type { Vocabulary } from './predict';
import { transformValue, type Preprocessing } from './preprocess';

/** Integers in [0, TABLE) read their transformed value from a table. */
const TABLE = 256;

/** Writes input rows for one network, preprocessing and vocabulary. */
export class ForwardInput {
  /** Row width: Σ block widths. */
  readonly width: number;
  private readonly d: number;
  private readonly log: boolean[];
  private readonly mean: Float64Array;
  private readonly inv: Float64Array;
  /** [feature][x] transformed value of the integer x. */
  private readonly table: Float32Array;
  /** Model indices of one block's ids. */
  private ids = new Int32Array(0);

  /**
   * @param net the network (`readForwardNetwork`).
   * @param pre the model's preprocessing; its feature count is the features block's width.
   * @param vocab training vocabulary sizes: ids outside [0, size) read the OOV row `size`.
   * @throws FeatureMismatchError when the features block's width differs from the preprocessing's.
   * @throws RangeError when an embedding table has no OOV row for the vocabulary.
   */
  constructor(
    private readonly net: ForwardNetwork,
    pre: Preprocessing,
    private readonly vocab: Vocabulary,
  ) {
    const t = pre.transforms;
    this.d = t.length;
    this.width = net.width;
    for (const b of net.blocks) {
      if (b.kind === 'features' && b.width !== this.d) {
        throw new FeatureMismatchError(`the model's features input has ${b.width} columns, its preprocessing ${this.d}`);
      }
      if (b.kind === 'embedding' && this.size(b) >= b.rows) {
        throw new RangeError(`layer "${b.layer}" has ${b.rows} rows: no OOV row for a vocabulary of ${this.size(b)}`);
      }
    }
    this.log = t.map((f) => f.log);
    this.mean = Float64Array.from(t, (f) => f.mean);
    this.inv = Float64Array.from(t, (f) => 1 / f.scale);
    this.table = new Float32Array(this.d * TABLE);
    for (let j = 0; j < this.d; j++) {
      for (let x = 0; x < TABLE; x++) this.table[j * TABLE + x] = transformValue(x, this.log[j], this.mean[j], this.inv[j]);
    }
  }

  private size(b: InputBlock & { kind: 'embedding' }): number {
    return b.input === 1 ? this.vocab.items : this.vocab.customers;
  }

  /**
   * Writes rows [start, start + rows) of `fs` into `out[0 .. rows × width)`, row-major.
   * @param fs feature rows whose columns are the preprocessing's (checked by the caller).
   * @param out float32 of length ≥ rows × {@link ForwardInput.width}.
   */
  write(fs: ForwardRows, start: number, rows: number, out: Float32Array): void {
    let offset = 0;
    for (const b of this.net.blocks) {
      if (b.kind === 'features') this.writeFeatures(fs.values, start, rows, out, offset);
      else this.writeEmbedding(b, (b.input === 1 ? fs.item : fs.customer).subarray(start, start + rows), out, offset);
      offset += b.width;
    }
  }

  private writeFeatures(values: Float32Array, start: number, rows: number, out: Float32Array, offset: number): void {
    const { d, width, log, mean, inv, table } = this;
    for (let r = 0; r < rows; r++) {
      const src = (start + r) * d;
      const dst = r * width + offset;
      for (let j = 0; j < d; j++) {
        const x = values[src + j];
        if (r > 0 && x === values[src - d + j]) {
          out[dst + j] = out[dst - width + j];
          continue;
        }
        const k = x | 0;
        out[dst + j] = k === x && k >= 0 && k < TABLE ? table[j * TABLE + k] : transformValue(x, log[j], mean[j], inv[j]);
      }
    }
  }

  private writeEmbedding(b: InputBlock & { kind: 'embedding' }, ids: Int32Array, out: Float32Array, offset: number): void {
    if (this.ids.length < ids.length) this.ids = new Int32Array(ids.length);
    const index = toVocabIndex(ids, this.size(b), this.ids);
    const { table, width: w } = b;
    const { width } = this;
    for (let r = 0; r < ids.length; r++) {
      const from = index[r] * w;
      const dst = r * width + offset;
      for (let k = 0; k < w; k++) out[dst + k] = table[from + k];
    }
  }
}
