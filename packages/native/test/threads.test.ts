// setThreads(n): every kernel that splits its work between threads (GEMM, attention, the dense
// estimator's gradient, the element-wise, row-wise and fused kernels) gives bit-identical results for 1, 2 and 3 threads,
// on sizes large enough to be split (SIMD tails and partial chunks included).
import { describe, expect, it } from 'vitest';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from '../src/index.js';
import { addon, heapOf, SKIP_NOTE, values, view } from './helpers.js';

describe.skipIf(addon === null)(`kernels on several threads${SKIP_NOTE}`, () => {
  const a = addon!;

  /** `run` (which writes its outputs into the heap it is given) with 1, 2 and 3 threads: the outputs of each. */
  function withThreads(run: (threads: number) => Float32Array): Float32Array[] {
    const outputs: Float32Array[] = [];
    try {
      for (const threads of [1, 2, 3]) {
        a.setThreads(threads);
        outputs.push(run(threads));
      }
    } finally {
      a.setThreads(1);
    }
    return outputs;
  }

  /** The first index where two arrays' bits differ, or -1 (a byte comparison: fast on 100k floats). */
  function firstDifference(x: Float32Array, y: Float32Array): number {
    const bytes = (z: Float32Array) => Buffer.from(z.buffer, z.byteOffset, z.byteLength);
    if (x.length === y.length && bytes(x).equals(bytes(y))) return -1;
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (!Object.is(x[i], y[i])) return i;
    return Math.min(x.length, y.length);
  }

  function expectIdentical(outputs: Float32Array[], what: string): void {
    expect(
      outputs[0]!.some((v) => v !== 0),
      `${what}: something computed`,
    ).toBe(true);
    for (const i of [1, 2]) {
      const at = firstDifference(outputs[i]!, outputs[0]!);
      const detail =
        at < 0 ? '' : `: element ${at} is ${outputs[i]![at]} with ${i + 1} threads, ${outputs[0]![at]} with 1`;
      expect(at, `${what}${detail}`).toBe(-1);
    }
  }

  const n = 100_003; // not a multiple of the 64-float chunks nor of the 8 SIMD lanes

  it('element-wise: unary, broadcast binary, SwiGLU forward and backward, AdamW', () => {
    for (const [name, op] of Object.entries(UNARY_OPS)) {
      const x = values(n, 1, 4).map(Math.abs);
      expectIdentical(
        withThreads(() => {
          const { heap, offsets } = heapOf(x, n);
          a.unary(heap, op, n, offsets[0]!, offsets[1]!);
          return view(heap, offsets[1]!, n).slice();
        }),
        `unary ${name}`,
      );
    }
    const [rows, cols] = [700, 130];
    for (const [name, op] of Object.entries(BINARY_OPS)) {
      const x = values(rows * cols, 2);
      const bias = values(cols, 3);
      expectIdentical(
        withThreads(() => {
          const { heap, offsets } = heapOf(x, bias, rows * cols);
          a.binary(heap, op, [rows, cols], [cols, 1], [0, 1], offsets[0]!, offsets[1]!, offsets[2]!);
          return view(heap, offsets[2]!, rows * cols).slice();
        }),
        `binary ${name}, a row broadcast`,
      );
      expectIdentical(
        withThreads(() => {
          const { heap, offsets } = heapOf(values(n, 4), values(n, 5), n);
          a.binary(heap, op, [n], [1], [1], offsets[0]!, offsets[1]!, offsets[2]!);
          return view(heap, offsets[2]!, n).slice();
        }),
        `binary ${name}, one dimension`,
      );
    }
    const [g, u, dh] = [values(n, 6, 3), values(n, 7), values(n, 8)];
    expectIdentical(
      withThreads(() => {
        const { heap, offsets } = heapOf(g, u, dh, n, n, n);
        const [og, ou, odh, oh, odg, odu] = offsets;
        a.swiGluForward(heap, n, og, ou, oh);
        a.swiGluBackward(heap, n, odh, og, ou, odg, odu);
        return heap.slice(oh / 4);
      }),
      'SwiGLU',
    );
    const [w, m, v, grad] = [values(n, 9), values(n, 10), values(n, 11).map(Math.abs), values(n, 12)];
    expectIdentical(
      withThreads(() => {
        const { heap, offsets } = heapOf(w, m, v, grad, n, n, n);
        const [ow, om, ov, og2, owo, omo, ovo] = offsets;
        a.adamW(heap, n, ow, om, ov, og2, 0.9, 0.95, 1e-3, 1e-8, 1e-4, owo, omo, ovo);
        return heap.slice(owo / 4);
      }),
      'AdamW',
    );
  });

  it('the dense estimator gradient: row blocks split, each row summed over the code blocks in order', () => {
    const [rows, bits, width] = [150, 11, 24];
    const inputs = [values(rows * bits, 20, 3), values(rows * width, 21), values(2 ** bits * width, 22)];
    expectIdentical(
      withThreads(() => {
        const { heap, offsets } = heapOf(...inputs, rows * bits);
        a.denseBitGradient(heap, rows, bits, width, offsets[0]!, offsets[1]!, offsets[2]!, offsets[3]!);
        return view(heap, offsets[3]!, rows * bits).slice();
      }),
      'denseBitGradient',
    );
  });

  it('row-wise: reductions, softmax, RMSNorm forward, RoPE', () => {
    const [outer, reduced, inner] = [900, 40, 7];
    for (const [name, op] of Object.entries(REDUCE_OPS)) {
      const x = values(outer * reduced * inner, 13);
      expectIdentical(
        withThreads(() => {
          const { heap, offsets } = heapOf(x, outer * inner);
          a.reduceAxis(heap, op, outer, reduced, inner, offsets[0]!, offsets[1]!);
          return view(heap, offsets[1]!, outer * inner).slice();
        }),
        `reduceAxis ${name}`,
      );
    }
    const [rows, cols] = [1500, 67];
    expectIdentical(
      withThreads(() => {
        const { heap, offsets } = heapOf(values(rows * cols, 14, 5), rows * cols);
        a.softmaxRows(heap, rows, cols, offsets[0]!, offsets[1]!);
        return view(heap, offsets[1]!, rows * cols).slice();
      }),
      'softmaxRows',
    );
    const [tokens, d] = [2050, 64];
    expectIdentical(
      withThreads(() => {
        const { heap, offsets } = heapOf(values(tokens * d, 15), values(d, 16), tokens * d, tokens);
        a.rmsNormForward(heap, tokens, d, offsets[0]!, offsets[1]!, 1e-5, offsets[2]!, offsets[3]!);
        return heap.slice(offsets[2]! / 4);
      }),
      'rmsNormForward',
    );
    const [batch, time, heads, dh] = [41, 16, 4, 16];
    const size = batch * time * heads * dh;
    const cos = values(time * dh, 17);
    const sin = values(time * dh, 18);
    for (const transposed of [false, true]) {
      expectIdentical(
        withThreads(() => {
          const { heap, offsets } = heapOf(values(size, 19), cos, sin, size);
          a.rope(heap, batch, time, heads, dh, offsets[0]!, offsets[1]!, offsets[2]!, transposed, offsets[3]!);
          return view(heap, offsets[3]!, size).slice();
        }),
        `rope transposed=${transposed}`,
      );
    }
  });
});
