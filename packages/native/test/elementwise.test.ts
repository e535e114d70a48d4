import { describe, expect, it } from 'vitest';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from '../src/index.js';
import { addon, everyKernel, heapOf, maxError, SKIP_NOTE, values, view } from './helpers.js';

const binaryReference: Record<keyof typeof BINARY_OPS, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  max: (x, y) => Math.max(x, y),
  min: (x, y) => Math.min(x, y),
  squaredDifference: (x, y) => (x - y) * (x - y),
};

const unaryReference: Record<keyof typeof UNARY_OPS, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  relu: (x) => Math.max(x, 0),
  abs: Math.abs,
};

/** Element (index) of a strided operand of a dims-shaped output. */
function stridedIndex(flat: number, dims: number[], strides: number[]): number {
  let rest = flat;
  let at = 0;
  for (let d = dims.length - 1; d >= 0; d--) {
    at += (rest % dims[d]) * strides[d];
    rest = Math.floor(rest / dims[d]);
  }
  return at;
}

describe.skipIf(addon === null)(`elementwise kernels${SKIP_NOTE}`, () => {
  const a = addon!;
  // [dims, aStrides, bStrides]: same shape, row broadcast, column broadcast, scalar, outer x inner.
  const layouts: Array<[number[], number[], number[]]> = [
    [[37], [1], [1]],
    [
      [5, 13],
      [13, 1],
      [0, 1],
    ],
    [
      [5, 13],
      [1, 0],
      [13, 1],
    ],
    [[21], [1], [0]],
    [
      [3, 4, 9],
      [36, 9, 1],
      [9, 0, 1],
    ],
    [
      [2, 3, 4, 5],
      [60, 20, 5, 1],
      [0, 5, 0, 1],
    ],
  ];

  it('binary ops over broadcast layouts equal JavaScript arithmetic, in every build', () => {
    everyKernel(a, (build) => {
      for (const [name, op] of Object.entries(BINARY_OPS)) {
        for (const [dims, as, bs] of layouts) {
          const size = dims.reduce((x, y) => x * y, 1);
          const x = values(size, 3, 2);
          const y = values(size, 5, 2).map((v) => (name === 'div' ? v + 3 : v)); // no division by ~0
          const { heap, offsets } = heapOf(x, y, size);
          a.binary(heap, op, dims, as, bs, offsets[0]!, offsets[1]!, offsets[2]!);
          const expected = Array.from({ length: size }, (_, i) =>
            binaryReference[name as keyof typeof BINARY_OPS](
              x[stridedIndex(i, dims, as)],
              y[stridedIndex(i, dims, bs)],
            ),
          );
          expect(maxError(view(heap, offsets[2]!, size), expected), `${build} ${name} ${dims}`).toBeLessThan(1e-6);
        }
      }
    });
  });

  it('unary ops equal Math.*; exp keeps ~2 ulp, saturates like expf and passes NaN through', () => {
    everyKernel(a, (build) => {
      for (const [name, op] of Object.entries(UNARY_OPS)) {
        const positive = name === 'sqrt' || name === 'rsqrt';
        const x = values(1003, 7, positive ? 1 : 20).map((v) => (positive ? Math.abs(v) + 0.01 : v));
        const { heap, offsets } = heapOf(x, x.length);
        a.unary(heap, op, x.length, offsets[0]!, offsets[1]!);
        const got = view(heap, offsets[1]!, x.length);
        for (let i = 0; i < x.length; i++) {
          const expected = unaryReference[name as keyof typeof UNARY_OPS](x[i]);
          const error = Math.abs(got[i] - expected) / Math.max(Math.abs(expected), 1e-30);
          expect(error, `${build} ${name}(${x[i]})`).toBeLessThan(name === 'exp' || name === 'sigmoid' ? 3e-7 : 1e-7);
        }
      }
      const edges = Float32Array.from([-100, -87, 0, 88.5, 89, 100, Number.NaN, Number.POSITIVE_INFINITY]);
      const { heap, offsets } = heapOf(edges, edges.length);
      a.unary(heap, UNARY_OPS.exp, edges.length, offsets[0]!, offsets[1]!);
      const got = Array.from(view(heap, offsets[1]!, edges.length));
      expect(got[0]).toBe(0);
      expect(Math.abs(got[1] / Math.exp(-87) - 1)).toBeLessThan(1e-6);
      expect(got[2]).toBe(1);
      expect(Math.abs(got[3] / Math.exp(88.5) - 1)).toBeLessThan(1e-6);
      expect(got.slice(4, 6)).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
      expect(got[6]).toBeNaN();
      expect(got[7]).toBe(Number.POSITIVE_INFINITY);
    });
  });

  it('reduces the middle axis of outer x reduced x inner (sum, mean, max), NaN-propagating max', () => {
    everyKernel(a, () => {
      for (const [outer, reduced, inner] of [
        [7, 33, 1],
        [1, 50, 9],
        [4, 3, 17],
        [1, 1, 5],
      ] as const) {
        const x = values(outer * reduced * inner, 11);
        for (const [name, op] of Object.entries(REDUCE_OPS)) {
          const { heap, offsets } = heapOf(x, outer * inner);
          a.reduceAxis(heap, op, outer, reduced, inner, offsets[0]!, offsets[1]!);
          const expected: number[] = [];
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              const column = Array.from({ length: reduced }, (_, r) => x[(o * reduced + r) * inner + i]);
              const sum = column.reduce((s, v) => s + v, 0);
              expected.push(name === 'sum' ? sum : name === 'mean' ? sum / reduced : Math.max(...column));
            }
          }
          expect(
            maxError(view(heap, offsets[1]!, outer * inner), expected),
            `${name} ${outer}x${reduced}x${inner}`,
          ).toBeLessThan(1e-6);
        }
      }
    });
    const withNan = Float32Array.from([1, Number.NaN, 3, 2, 5, 4, 0, 0, 0, 0]);
    const { heap, offsets } = heapOf(withNan, 2);
    a.reduceAxis(heap, REDUCE_OPS.max, 2, 5, 1, offsets[0]!, offsets[1]!);
    expect(view(heap, offsets[1]!, 2)[0]).toBeNaN();
  });

  it('softmax rows sum to 1 and equal exp(x - max) / sum', () => {
    const [rows, cols] = [9, 37];
    const x = values(rows * cols, 13, 30);
    const { heap, offsets } = heapOf(x, rows * cols);
    a.softmaxRows(heap, rows, cols, offsets[0]!, offsets[1]!);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
      const top = Math.max(...row);
      const total = row.reduce((s, v) => s + Math.exp(v - top), 0);
      const expected = row.map((v) => Math.exp(v - top) / total);
      expect(maxError(view(heap, offsets[1]! + r * cols * 4, cols), expected)).toBeLessThan(1e-6);
    }
  });

  it('transposes by any permutation up to rank 6 and gathers rows, reporting the first bad id', () => {
    const cases: Array<[number[], number[]]> = [
      [
        [3, 4],
        [1, 0],
      ],
      [
        [2, 3, 4, 5],
        [0, 2, 1, 3],
      ],
      [
        [2, 1, 3, 2, 2, 3],
        [5, 3, 0, 4, 1, 2],
      ],
    ];
    for (const [shape, perm] of cases) {
      const size = shape.reduce((x, y) => x * y, 1);
      const x = values(size, 17);
      const { heap, offsets } = heapOf(x, size);
      a.transpose(heap, shape, perm, offsets[0]!, offsets[1]!);
      const outShape = perm.map((p) => shape[p]);
      const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((s, d) => s * d, 1));
      const expected = Array.from({ length: size }, (_, flat) => {
        let rest = flat;
        let at = 0;
        for (let d = outShape.length - 1; d >= 0; d--) {
          at += (rest % outShape[d]) * inStrides[perm[d]];
          rest = Math.floor(rest / outShape[d]);
        }
        return x[at];
      });
      expect(Array.from(view(heap, offsets[1]!, size))).toEqual(expected);
    }
    const table = values(5 * 3, 19);
    const { heap, offsets } = heapOf(table, Int32Array.from([4, 0, 4, 2]), 12);
    expect(a.gatherRows(heap, offsets[0]!, 5, 3, offsets[1]!, 4, offsets[2]!)).toBe(-1);
    expect(Array.from(view(heap, offsets[2]!, 12))).toEqual(
      [4, 0, 4, 2].flatMap((id) => Array.from(table.subarray(id * 3, id * 3 + 3))),
    );
    new Int32Array(heap.buffer)[offsets[1]! / 4 + 2] = 5;
    expect(a.gatherRows(heap, offsets[0]!, 5, 3, offsets[1]!, 4, offsets[2]!)).toBe(2);
  });

  it('refuses bad op codes, layouts and permutations with what was wrong', () => {
    const heap = new Float32Array(64);
    expect(() => a.binary(heap, 9, [4], [1], [1], 0, 0, 0)).toThrow(/binary: op 9 is not a binary op/);
    expect(() => a.binary(heap, 0, [2, 2], [2], [2, 1], 0, 0, 0)).toThrow(/same length, 1 to 4/);
    expect(() => a.binary(heap, 0, [4], [2], [1], 0, 0, 0)).toThrow(/innermost strides must be 0 or 1/);
    expect(() => a.binary(heap, 0, [1, 1, 1, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], 0, 0, 0)).toThrow(
      /dims has 5 entries, at most 4/,
    );
    expect(() => a.unary(heap, 0, 65, 0, 0)).toThrow(/unary: x needs bytes 0\.\.260 but the buffer holds 256/);
    expect(() => a.transpose(heap, [2, 2], [0, 0], 0, 32)).toThrow(/perm is not a permutation of 0\.\.1/);
    expect(() => a.reduceAxis(heap, 3, 1, 1, 1, 0, 0)).toThrow(/op 3 is not a reduction/);
  });
});
