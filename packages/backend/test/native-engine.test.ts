// The native engine's kernels against the wasm engine's on the same tensors (the two share one
// heap, so a tensor made under one is read by the other), covering each replaced kernel's native
// cases and the cases it hands back to wasm. Skipped, with the reason, where the addon is not built.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeFrom } from '@ftlab/native';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BackendUnavailableError, hasFusedKernels, matMul, selectBackend, type Tensor, tf } from '../src/index.js';
import { DEFAULT_LOADERS, nativeEngineLoader } from '../src/select.js';
import { maxAbsDiff, NATIVE_SKIP_REASON, uniform, useEngine } from './helpers.js';

/** f on native and on a reference engine (wasm unless said), the largest difference between the results. */
async function nativeVsWasm(f: () => Tensor, referenceEngine: 'wasm' | 'cpu' = 'wasm'): Promise<number> {
  await useEngine('native');
  const fast = f();
  await useEngine(referenceEngine);
  const reference = f();
  expect(fast.shape).toEqual(reference.shape);
  expect(fast.dtype).toEqual(reference.dtype);
  const error = maxAbsDiff(tf.cast(fast, 'float32'), tf.cast(reference, 'float32'));
  tf.dispose([fast, reference]);
  return error;
}

const noEngine = () => Promise.reject(new Error('not installed'));
const title = (what: string) => (NATIVE_SKIP_REASON === null ? what : `${what} (SKIPPED: ${NATIVE_SKIP_REASON})`);

describe('the native engine where its addon is missing', () => {
  it('an explicit choice fails with the reason and the fallback; auto goes on to wasm', async () => {
    // A build directory without the addon, as on a machine without a compiler (on such a
    // machine the default loader gives the same answer; this checks it everywhere).
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-no-addon-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'native-build.json'), JSON.stringify({ built: false, reason: 'g++ was not found' }));
    const loaders = { ...DEFAULT_LOADERS, native: nativeEngineLoader(() => loadNativeFrom(dir)) };
    const failure = selectBackend('native', loaders);
    await expect(failure).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(failure).rejects.toThrow(
      /native engine .* is unavailable: the addon was not built: g\+\+ was not found\. It needs g\+\+, make and python3 .*FTLAB_BACKEND=wasm/,
    );
    const auto = await selectBackend('auto', { ...loaders, 'node-gpu': noEngine, node: noEngine });
    expect(auto.name).toBe('wasm');
    expect(auto.skipped.find((s) => s.name === 'native')?.why).toBe('the addon was not built: g++ was not found');
  });
});

describe.skipIf(NATIVE_SKIP_REASON !== null)(title('native engine kernels'), () => {
  it('is selected by name, reports itself, and has the fused kernels (wasm has not)', async () => {
    const info = await selectBackend('native');
    expect(info).toMatchObject({ name: 'native', tfBackend: 'native', requested: 'native' });
    expect(hasFusedKernels()).toBe(true);
    await useEngine('wasm');
    expect(hasFusedKernels()).toBe(false);
  });

  const broadcasts: Array<[number[], number[]]> = [
    [
      [4, 5, 6],
      [4, 5, 6],
    ],
    [[4, 5, 6], [6]],
    [
      [4, 5, 1],
      [4, 5, 6],
    ],
    [[], [3, 7]],
    [
      [2, 1, 3],
      [1, 4, 1],
    ],
    [
      [2, 1, 2, 1, 2],
      [1, 2, 1, 2, 1],
    ], // does not collapse to rank 4: wasm's kernel
  ];
  const binaryOps: Array<[string, (a: Tensor, b: Tensor) => Tensor]> = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 1))],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  it('binary ops with every broadcast pattern', async () => {
    for (const [name, op] of binaryOps) {
      for (const [sa, sb] of broadcasts) {
        const a = uniform(sa, 1);
        const b = uniform(sb, 2);
        expect(await nativeVsWasm(() => op(a, b)), `${name} [${sa}] [${sb}]`).toBeLessThan(1e-6);
        tf.dispose([a, b]);
      }
    }
    const ints = tf.tensor1d([1, 2, 3], 'int32'); // not float32: wasm's kernel
    expect(await nativeVsWasm(() => tf.add(ints, ints))).toBe(0);
  });

  it('unary ops', async () => {
    const x = uniform([5, 33], 3);
    const positive = tf.add(tf.abs(x), 0.1);
    for (const op of [tf.neg, tf.exp, tf.sigmoid, tf.square, tf.relu, tf.abs]) {
      expect(await nativeVsWasm(() => op(tf.mul(x, 8)))).toBeLessThan(2e-6 * 3000); // exp(8) ~ 3000
    }
    expect(await nativeVsWasm(() => tf.sqrt(positive))).toBeLessThan(1e-6);
    expect(await nativeVsWasm(() => tf.rsqrt(positive))).toBeLessThan(1e-5);
  });

  it('reductions over trailing, leading, middle and all axes, with keepDims; scattered axes go to wasm', async () => {
    const x = uniform([3, 4, 5, 6], 4);
    const axesList: Array<number | number[] | undefined> = [-1, [2, 3], 0, [0, 1], [1, 2], undefined, [0, 2]];
    for (const axes of axesList) {
      for (const keep of [false, true]) {
        expect(await nativeVsWasm(() => tf.sum(x, axes, keep)), `sum ${axes} ${keep}`).toBeLessThan(1e-5);
        expect(await nativeVsWasm(() => tf.mean(x, axes, keep)), `mean ${axes} ${keep}`).toBeLessThan(1e-6);
        expect(await nativeVsWasm(() => tf.max(x, axes, keep)), `max ${axes} ${keep}`).toBe(0);
      }
    }
  });

  it('softmax, transpose, identity and same-dtype cast (which share memory), gather', async () => {
    const x = uniform([3, 4, 5, 6], 5);
    expect(await nativeVsWasm(() => tf.softmax(tf.mul(x, 10)))).toBeLessThan(1e-6);
    for (const perm of [
      [0, 2, 1, 3],
      [3, 2, 1, 0],
      [1, 0, 2, 3],
    ]) {
      expect(await nativeVsWasm(() => tf.transpose(x, perm))).toBe(0);
    }
    await useEngine('native');
    const source = uniform([4, 3], 6);
    const copy = tf.clone(source);
    const same = tf.cast(source, 'float32');
    const expected = Array.from(source.dataSync());
    source.dispose();
    expect(Array.from(copy.dataSync())).toEqual(expected);
    expect(Array.from(same.dataSync())).toEqual(expected);
    tf.dispose([copy, same]);

    const table = uniform([7, 3], 7);
    const ids = tf.tensor2d([0, 6, 6, 2, 1, 5], [2, 3], 'int32');
    expect(await nativeVsWasm(() => tf.gather(table, ids))).toBe(0);
    expect(await nativeVsWasm(() => tf.gather(table, tf.tensor1d([2, 0], 'int32'), 1))).toBe(0); // axis 1: wasm
    await useEngine('native');
    expect(() => tf.gather(table, tf.tensor1d([1, 7], 'int32'))).toThrow(
      /GatherV2: index 7 at position 1 is outside \[0, 6\] \(table shape \[7,3\]\)/,
    );
  });

  it('matmuls: transposes, batches, broadcast batches', async () => {
    const pairs: Array<[number[], number[], boolean, boolean]> = [
      [[7, 5], [5, 9], false, false],
      [[5, 7], [9, 5], true, true],
      [[3, 2, 7, 5], [3, 2, 5, 4], false, false],
      [[3, 2, 7, 5], [5, 4], false, false],
      [[5, 7], [6, 5, 4], true, false],
    ];
    for (const [sa, sb, ta, tb] of pairs) {
      const a = uniform(sa, 8);
      const b = uniform(sb, 9);
      expect(await nativeVsWasm(() => tf.matMul(a, b, ta, tb)), `[${sa}] x [${sb}]`).toBeLessThan(1e-5);
      const loss = (x: Tensor, y: Tensor) => tf.sum(tf.square(matMul(x, y, ta, tb)));
      for (const which of [0, 1]) {
        expect(await nativeVsWasm(() => tf.grads(loss)([a, b])[which]!)).toBeLessThan(1e-4);
      }
    }
  });

  it('a batch broadcast on both sides ([2, 1] x [1, 3]) equals the product of the tiled operands', async () => {
    // tfjs 4.22's own wasm and cpu kernels return a wrongly sized result for this one.
    const a = uniform([2, 1, 7, 5], 8);
    const b = uniform([1, 3, 5, 4], 9);
    await useEngine('native');
    const product = tf.matMul(a, b);
    await useEngine('wasm');
    const expected = tf.matMul(tf.tile(a, [1, 3, 1, 1]), tf.tile(b, [2, 1, 1, 1]));
    expect(product.shape).toEqual([2, 3, 7, 4]);
    expect(maxAbsDiff(product, expected)).toBeLessThan(1e-5);
  });
});
