import { describe, expect, it } from 'vitest';
import { referenceGemm } from '../src/self-check.js';
import { addon, everyKernel, heapOf, maxError, SKIP_NOTE, values, view } from './helpers.js';

describe.skipIf(addon === null)(`gemm${SKIP_NOTE}`, () => {
  const a = addon!;
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [7, 19, 13], // partial 6 x 16 (and 12 x 16) tiles both ways
    [25, 48, 17], // two full 12-row panels and a partial one; whole 16-column panels
    [12, 32, 5],
    [97, 33, 600], // k crosses two k-slices; m crosses an m-block
    [2, 1, 700],
    // three row blocks of 96, the last one partial (a partial panel among a transposed A's packed
    // panels), three k slices, 9 column panels (the next block's A prefetched over 8 of them)
    [203, 130, 800],
  ];

  it('equals a float64 reference for every transpose combination, with every micro-kernel the CPU runs', () => {
    everyKernel(a, (build) => {
      for (const [m, n, k] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const x = values(m * k, m + n + k);
            const y = values(k * n, m * n * k);
            const { heap, offsets } = heapOf(x, y, m * n);
            a.gemm(heap, 1, m, n, k, transA, transB, offsets[0]!, 0, offsets[1]!, 0, offsets[2]!, 1, 0);
            const expected = referenceGemm(x, y, m, n, k, transA, transB);
            expect(
              maxError(view(heap, offsets[2]!, m * n), expected),
              `${build} ${m}x${n}x${k} ${transA} ${transB}`,
            ).toBeLessThan(2e-6 * Math.sqrt(k));
          }
        }
      }
    });
  });

  it('batches with per-item and broadcast (stride 0) operands, alpha and beta', () => {
    const [batch, m, n, k] = [3, 10, 17, 9];
    const x = values(batch * m * k, 1);
    const y = values(k * n, 2); // one B for every item
    const c = values(batch * m * n, 3);
    const { heap, offsets } = heapOf(x, y, c);
    a.gemm(heap, batch, m, n, k, false, false, offsets[0]!, m * k, offsets[1]!, 0, offsets[2]!, 0.5, 2);
    for (let item = 0; item < batch; item++) {
      const product = referenceGemm(x.subarray(item * m * k, (item + 1) * m * k), y, m, n, k, false, false);
      const expected = product.map((v, i) => 0.5 * v + 2 * c[item * m * n + i]);
      expect(maxError(view(heap, offsets[2]! + item * m * n * 4, m * n), expected)).toBeLessThan(1e-5);
    }
  });

  it('never reads C when beta is 0 (fresh outputs hold garbage) and k = 0 gives zeros', () => {
    const { heap, offsets } = heapOf(values(6, 1), values(6, 2), 4);
    a.gemm(heap, 1, 2, 2, 3, false, false, offsets[0]!, 0, offsets[1]!, 0, offsets[2]!, 1, 0);
    expect(Array.from(view(heap, offsets[2]!, 4)).every(Number.isFinite)).toBe(true);
    a.gemm(heap, 1, 2, 2, 0, false, false, offsets[0]!, 0, offsets[1]!, 0, offsets[2]!, 1, 0);
    expect(Array.from(view(heap, offsets[2]!, 4))).toEqual([0, 0, 0, 0]);
  });

  it('refuses operands outside the buffer, misaligned offsets and bad arguments, naming them', () => {
    const heap = new Float32Array(16);
    expect(() => a.gemm(heap, 1, 4, 4, 4, false, false, 0, 0, 0, 0, 8, 1, 0)).toThrow(
      /@ftlab\/native gemm: C needs bytes 8\.\.72 but the buffer holds 64/,
    );
    expect(() => a.gemm(heap, 1, 2, 2, 2, false, false, 2, 0, 0, 0, 0, 1, 0)).toThrow(
      /gemm: A byte offset 2 is not a non-negative multiple of 4/,
    );
    expect(() => a.gemm(heap, 1, -2, 2, 2, false, false, 0, 0, 0, 0, 0, 1, 0)).toThrow(
      /gemm: m must be an integer >= 0/,
    );
    expect(() => a.gemm(heap, 1, 2, 2, 2, 0 as unknown as boolean, false, 0, 0, 0, 0, 0, 1, 0)).toThrow(
      /gemm: transA must be a boolean/,
    );
    expect(() => (a.gemm as unknown as (...args: unknown[]) => void)(heap, 1)).toThrow(
      /gemm: expects 14 arguments, got 2/,
    );
    expect(() => a.gemm('heap' as unknown as Float32Array, 1, 1, 1, 1, false, false, 0, 0, 0, 0, 0, 1, 0)).toThrow(
      /buffer must be an ArrayBuffer or a TypedArray/,
    );
  });

  it('reports which micro-kernel runs: AVX-512 where the CPU has it, else AVX2, else portable', () => {
    const info = a.info();
    expect(info.gemmKernel).toBe(info.avx512f ? 'avx512f' : info.avx2Fma ? 'avx2-fma' : 'portable');
    expect(info.simd).toBe(info.avx2Fma ? 'avx2' : 'baseline');
    if (info.avx512f) {
      a.setAvx512(false);
      expect(a.info().gemmKernel).toBe('avx2-fma');
      a.setAvx512(true);
    } else {
      console.log('AVX-512 GEMM kernel not tested: this CPU has no AVX-512 Foundation');
      a.setAvx512(true); // asking for it changes nothing where the CPU lacks it
      expect(a.info().gemmKernel).toBe(info.gemmKernel);
    }
    a.setPortable(true);
    expect(a.info()).toMatchObject({ gemmKernel: 'portable', simd: 'baseline' });
    a.setPortable(false);
    expect(a.info().gemmKernel).toBe(info.gemmKernel);
  });

  it('with an addend, writes the product plus the addend with the bits of a product into C then beta = 1', () => {
    const cases: Array<[number, number, number, boolean, boolean]> = [
      [203, 40, 50, false, false], // full and edge tiles
      [128, 37, 700, true, false], // a transposed A, two k slices (the addend enters only the first)
      [43, 35, 20, false, true],
    ];
    everyKernel(a, (build) => {
      for (const [m, n, k, transA, transB] of cases) {
        const x = values(m * k, m + 1);
        const y = values(k * n, n + 2);
        const addend = values(m * n, k + 3);
        const results: Float32Array[] = [];
        for (const threads of [1, 2]) {
          a.setThreads(threads);
          // Two steps: C = product, then C = product + 1 * C (the addend copied into C first).
          const twoSteps = heapOf(x, y, addend);
          a.gemm(
            twoSteps.heap,
            1,
            m,
            n,
            k,
            transA,
            transB,
            twoSteps.offsets[0]!,
            0,
            twoSteps.offsets[1]!,
            0,
            twoSteps.offsets[2]!,
            1,
            1,
          );
          // One step, the addend elsewhere: C's garbage must not be read, the addend not written.
          const oneStep = heapOf(
            x,
            y,
            addend,
            Float32Array.from({ length: m * n }, () => Number.NaN),
          );
          const [xAt, yAt, addendAt, cAt] = oneStep.offsets as [number, number, number, number];
          a.gemm(oneStep.heap, 1, m, n, k, transA, transB, xAt, 0, yAt, 0, cAt, 1, 1, addendAt);
          const product = view(oneStep.heap, cAt, m * n).slice();
          expect(product, `${build} ${m}x${n}x${k} threads ${threads}`).toEqual(
            view(twoSteps.heap, twoSteps.offsets[2]!, m * n),
          );
          expect(view(oneStep.heap, addendAt, m * n)).toEqual(addend);
          results.push(product);
        }
        a.setThreads(1);
        expect(results[1]).toEqual(results[0]);
        const expected = referenceGemm(x, y, m, n, k, transA, transB).map((v, i) => v + addend[i]!);
        expect(maxError(results[0]!, expected), `${build} ${m}x${n}x${k}`).toBeLessThan(2e-6 * Math.sqrt(k));
      }
    });
    const { heap, offsets } = heapOf(values(4, 1), values(4, 2), values(8, 3));
    expect(() =>
      a.gemm(heap, 1, 2, 2, 2, false, false, offsets[0]!, 0, offsets[1]!, 0, offsets[2]!, 1, 1, offsets[2]! + 4),
    ).toThrow(/@ftlab\/native gemm: addend must not overlap C/);
    expect(() => a.gemm(heap, 1, 2, 2, 2, false, false, offsets[0]!, 0, offsets[1]!, 0, offsets[2]!, 1, 1, -4)).toThrow(
      /gemm: addendOffset must be/,
    );
  });

  it('splits between threads to bit-identical products, on every micro-kernel', () => {
    const cases: Array<[number, number, number, boolean, boolean]> = [
      [203, 40, 50, false, false], // 17 row panels of 12 (34 of 6), the last partial
      [128, 37, 700, true, false], // a packed transposed A, two k slices, a partial column panel
      [5, 19, 9, false, true], // fewer row panels than threads
    ];
    everyKernel(a, (build) => {
      for (const [m, n, k, transA, transB] of cases) {
        const x = values(m * k, m);
        const y = values(k * n, n);
        const c = values(m * n, k);
        const products: Float32Array[] = [];
        for (const threads of [1, 2, 3]) {
          a.setThreads(threads);
          expect(a.info().threads).toBe(threads);
          const { heap, offsets } = heapOf(x, y, c);
          a.gemm(heap, 1, m, n, k, transA, transB, offsets[0]!, 0, offsets[1]!, 0, offsets[2]!, 0.5, 1.5);
          products.push(view(heap, offsets[2]!, m * n).slice());
        }
        a.setThreads(1);
        const expected = referenceGemm(x, y, m, n, k, transA, transB).map((v, i) => 0.5 * v + 1.5 * c[i]!);
        expect(maxError(products[0]!, expected), `${build} ${m}x${n}x${k}`).toBeLessThan(2e-6 * Math.sqrt(k));
        for (const product of products.slice(1)) expect(product, `${build} ${m}x${n}x${k}`).toEqual(products[0]);
      }
    });
    expect(() => a.setThreads(0)).toThrow(/setThreads: threads must be an integer >= 1/);
    expect(() => a.setThreads(65)).toThrow(/setThreads: at most 64 threads, not 65/);
    expect(a.info().threads).toBe(1);
  });

  it('runs every micro-kernel the CPU has; AVX-512 and AVX2 give the same bits (edge tiles, alpha, beta, k slices)', () => {
    const seen: string[] = [];
    const cases: Array<[number, number, number, boolean, boolean]> = [
      [43, 40, 50, false, true], // rows 36-41: a full 6-row tile for AVX2, an edge of a 12-row one for AVX-512
      [31, 35, 800, true, false], // the same, and three k slices: later ones accumulate (beta 1 inside)
    ];
    const products = new Map<string, Float32Array[]>();
    everyKernel(a, (build) => {
      seen.push(build);
      products.set(
        build,
        cases.map(([m, n, k, transA, transB]) => {
          const { heap, offsets } = heapOf(values(m * k, 11), values(k * n, 12), values(m * n, 13));
          a.gemm(heap, 1, m, n, k, transA, transB, offsets[0]!, 0, offsets[1]!, 0, offsets[2]!, 0.7, 0.3);
          return view(heap, offsets[2]!, m * n).slice();
        }),
      );
    });
    const info = a.info();
    const expected = [...(info.avx512f ? ['avx512f'] : []), ...(info.avx2Fma ? ['avx2-fma'] : []), 'portable'];
    expect(seen).toEqual(expected);
    const [first] = products.values();
    for (const [build, results] of products) {
      for (const [i, product] of results.entries()) expect(maxError(product, first![i]!), build).toBeLessThan(1e-5);
    }
    // Each element is summed over k in the same order by both FMA kernels, and stored alike.
    if (info.avx512f) expect(products.get('avx512f')).toEqual(products.get('avx2-fma'));
  });
});
