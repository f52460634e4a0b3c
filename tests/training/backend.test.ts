import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../training/backend';

describe('selectBackend', () => {
  it('initialises one backend once and reports its name', async () => {
    const name = await selectBackend();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(name);
    expect(tf.getBackend()).toBe(name);
    expect(await selectBackend(['cpu'])).toBe(name); // later calls keep the first choice
  });

  it('computes UnsortedSegmentSum (the Embedding gradient) on the active backend', async () => {
    await selectBackend();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const ids = tf.tensor1d([2, 0, 2, 5], 'int32'); // 5 is outside [0, 3): dropped
    const out = tf.unsortedSegmentSum(x, ids, 3);
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(await out.data())).toEqual([3, 4, 0, 0, 6, 8]);
    const grad = tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d([0, 2, 0], 'int32')).sum())(tf.zeros([3, 2]));
    expect(Array.from(await grad.data())).toEqual([2, 2, 0, 0, 1, 1]);
  });

  it('splits along any axis as the definition, sizes or a count, and back-propagates through concat', async () => {
    await selectBackend();
    const x = tf.tensor3d(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const [a, b] = tf.split(x, [1, -1], 1);
    expect(a.arraySync()).toEqual([[[0, 1, 2, 3]], [[12, 13, 14, 15]]]);
    expect(b.shape).toEqual([2, 2, 4]);
    expect(b.arraySync()).toEqual([
      [[4, 5, 6, 7], [8, 9, 10, 11]],
      [[16, 17, 18, 19], [20, 21, 22, 23]],
    ]);
    const last = tf.split(x, 2, 2).map((t) => t.arraySync());
    expect(last[1]).toEqual([
      [[2, 3], [6, 7], [10, 11]],
      [[14, 15], [18, 19], [22, 23]],
    ]);
    expect(tf.split(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 2, 1).map((t) => [t.dtype, t.arraySync()])).toEqual([
      ['int32', [[1], [3]]],
      ['int32', [[2], [4]]],
    ]);
    const w = tf.tensor2d([1, 2, 3], [3, 1]);
    const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.concat([p, q], 1).matMul(w).sum())([tf.ones([2, 1]), tf.ones([2, 2])]);
    expect(grads.map((g) => g.arraySync())).toEqual([
      [[1], [1]],
      [[2, 3], [2, 3]],
    ]);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('computes matMul with transposeA=%s, transposeB=%s as the definition (also batched)', async (ta, tb) => {
    await selectBackend();
    const a = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const b = [
      [7, 8],
      [9, 10],
      [11, 12],
    ];
    const t = (m: number[][]): number[][] => m[0].map((_, j) => m.map((row) => row[j]));
    // a·b = [[58, 64], [139, 154]] whichever operand is stored transposed.
    const out = tf.matMul(tf.tensor2d(ta ? t(a) : a), tf.tensor2d(tb ? t(b) : b), ta, tb);
    expect(out.arraySync()).toEqual([
      [58, 64],
      [139, 154],
    ]);
    const aa = tf.tensor2d(ta ? t(a) : a);
    const batched = tf.matMul(tf.stack([aa, aa.neg()]), tf.stack([tf.tensor2d(tb ? t(b) : b), tf.tensor2d(tb ? t(b) : b)]), ta, tb);
    expect(batched.arraySync()).toEqual([
      [
        [58, 64],
        [139, 154],
      ],
      [
        [-58, -64],
        [-139, -154],
      ],
    ]);
  });
});
