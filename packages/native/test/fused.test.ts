// The fused kernels against float64 JavaScript references; every backward kernel against
// central differences of its reference forward (objective sum(out * dOut) for a random dOut).
import { describe, expect, it } from 'vitest';
import { addon, everyKernel, heapOf, maxError, SKIP_NOTE, values, view } from './helpers.js';

type Forward = (inputs: Float64Array[]) => Float64Array;

/** d/d(inputs[which]) of sum(forward(inputs) * dOut), by central differences in float64. */
function numericGradient(forward: Forward, inputs: Float64Array[], which: number, dOut: ArrayLike<number>): number[] {
  const objective = () => forward(inputs).reduce((s, v, i) => s + v * dOut[i], 0);
  const x = inputs[which] as Float64Array;
  return Array.from(x, (_, i) => {
    const saved = x[i];
    x[i] = saved + 1e-6;
    const up = objective();
    x[i] = saved - 1e-6;
    const down = objective();
    x[i] = saved;
    return (up - down) / 2e-6;
  });
}

const f64 = (x: Float32Array) => Float64Array.from(x);

function rmsNormReference(n: number, d: number, eps: number): Forward {
  return ([x, w]) => {
    const out = new Float64Array(n * d);
    for (let r = 0; r < n; r++) {
      let squares = 0;
      for (let i = 0; i < d; i++) squares += x![r * d + i] ** 2;
      const inverse = 1 / Math.sqrt(squares / d + eps);
      for (let i = 0; i < d; i++) out[r * d + i] = x![r * d + i] * inverse * w![i];
    }
    return out;
  };
}

const swiGluReference: Forward = ([g, u]) => g!.map((v, i) => (v / (1 + Math.exp(-v))) * u![i]);

function ropeReference(batch: number, time: number, heads: number, dh: number, cos: Float32Array, sin: Float32Array) {
  const half = dh / 2;
  return ([x]: Float64Array[]) => {
    const out = new Float64Array(x!.length);
    for (let b = 0; b < batch; b++)
      for (let t = 0; t < time; t++)
        for (let h = 0; h < heads; h++) {
          const base = ((b * time + t) * heads + h) * dh;
          for (let i = 0; i < dh; i++) {
            const rotated = i < half ? -x![base + i + half] : x![base + i - half];
            out[base + i] = x![base + i] * cos[t * dh + i] + rotated * sin[t * dh + i];
          }
        }
    return out;
  };
}

interface AttentionCase {
  batch: number;
  queryBatch: number;
  time: number;
  heads: number;
  dh: number;
  causal: boolean;
}

function attentionReference(c: AttentionCase): Forward {
  const width = c.heads * c.dh;
  return ([q, k, v]) => {
    const out = new Float64Array(c.batch * c.time * width);
    for (let b = 0; b < c.batch; b++)
      for (let h = 0; h < c.heads; h++)
        for (let i = 0; i < c.time; i++) {
          const qb = c.queryBatch === 1 ? 0 : b;
          const scores = Array.from({ length: c.time }, (_, j) => {
            if (c.causal && j > i) return Number.NEGATIVE_INFINITY;
            let s = 0;
            for (let e = 0; e < c.dh; e++) {
              s += q![(qb * c.time + i) * width + h * c.dh + e] * k![(b * c.time + j) * width + h * c.dh + e];
            }
            return s;
          });
          const top = Math.max(...scores);
          const weights = scores.map((s) => Math.exp(s - top));
          const total = weights.reduce((s, w) => s + w, 0);
          for (let e = 0; e < c.dh; e++) {
            let sum = 0;
            for (let j = 0; j < c.time; j++) sum += (weights[j]! / total) * v![(b * c.time + j) * width + h * c.dh + e];
            out[(b * c.time + i) * width + h * c.dh + e] = sum;
          }
        }
    return out;
  };
}

describe.skipIf(addon === null)(`fused kernels${SKIP_NOTE}`, () => {
  const a = addon!;

  it('RMSNorm forward and backward (dx and dw) match the reference and its central differences', () => {
    everyKernel(a, (build) => {
      const [n, d, eps] = [5, 19, 1e-5];
      const x = values(n * d, 1, 2);
      const w = values(d, 2).map((v) => v + 1);
      const dy = values(n * d, 3);
      const { heap, offsets } = heapOf(x, w, dy, n * d, n, n * d, d);
      const [ox, ow, ody, oy, or, odx, odw] = offsets;
      a.rmsNormForward(heap, n, d, ox, ow, eps, oy, or);
      const reference = rmsNormReference(n, d, eps);
      expect(maxError(view(heap, oy, n * d), reference([f64(x), f64(w)])), build).toBeLessThan(1e-6);
      a.rmsNormBackward(heap, n, d, ody, ox, ow, or, odx, odw);
      expect(maxError(view(heap, odx, n * d), numericGradient(reference, [f64(x), f64(w)], 0, dy)), build).toBeLessThan(
        2e-5,
      );
      expect(maxError(view(heap, odw, d), numericGradient(reference, [f64(x), f64(w)], 1, dy)), build).toBeLessThan(
        2e-5,
      );
    });
  });

  it('SwiGLU forward and backward match silu(g) * u and its central differences (odd length: SIMD tail)', () => {
    everyKernel(a, (build) => {
      const n = 37;
      const g = values(n, 4, 6);
      const u = values(n, 5, 2);
      const dh = values(n, 6);
      const { heap, offsets } = heapOf(g, u, dh, n, n, n);
      const [og, ou, odh, oh, odg, odu] = offsets;
      a.swiGluForward(heap, n, og, ou, oh);
      expect(maxError(view(heap, oh, n), swiGluReference([f64(g), f64(u)])), build).toBeLessThan(1e-6);
      a.swiGluBackward(heap, n, odh, og, ou, odg, odu);
      expect(maxError(view(heap, odg, n), numericGradient(swiGluReference, [f64(g), f64(u)], 0, dh))).toBeLessThan(
        2e-5,
      );
      expect(maxError(view(heap, odu, n), numericGradient(swiGluReference, [f64(g), f64(u)], 1, dh))).toBeLessThan(
        2e-5,
      );
    });
  });

  it('RoPE rotates each head by rotate_half, and its transposed form is the exact adjoint', () => {
    const [batch, time, heads, dh] = [2, 5, 3, 6];
    const size = batch * time * heads * dh;
    const angles = Array.from(
      { length: time * dh },
      (_, i) => Math.floor(i / dh) * 10000 ** (-(2 * ((i % dh) % (dh / 2))) / dh),
    );
    const cos = Float32Array.from(angles, Math.cos);
    const sin = Float32Array.from(angles, Math.sin);
    const x = values(size, 7);
    const dy = values(size, 8);
    const { heap, offsets } = heapOf(x, cos, sin, dy, size, size);
    const [ox, oc, os, ody, oy, odx] = offsets;
    a.rope(heap, batch, time, heads, dh, ox, oc, os, false, oy);
    const reference = ropeReference(batch, time, heads, dh, cos, sin);
    expect(maxError(view(heap, oy, size), reference([f64(x)]))).toBeLessThan(1e-6);
    a.rope(heap, batch, time, heads, dh, ody, oc, os, true, odx);
    expect(maxError(view(heap, odx, size), numericGradient(reference, [f64(x)], 0, dy))).toBeLessThan(2e-5);
    expect(() => a.rope(heap, 1, 1, 1, 5, ox, oc, os, false, oy)).toThrow(/rope: headDim must be even/);
  });

  const cases: Array<[string, AttentionCase]> = [
    ['causal', { batch: 2, queryBatch: 2, time: 7, heads: 2, dh: 4, causal: true }],
    ['full', { batch: 2, queryBatch: 2, time: 5, heads: 3, dh: 2, causal: false }],
    ['shared query', { batch: 3, queryBatch: 1, time: 4, heads: 2, dh: 3, causal: false }],
    [
      'causal, 17 positions (partial tiles, causal skips)',
      { batch: 1, queryBatch: 1, time: 17, heads: 1, dh: 18, causal: true },
    ],
  ];
  /** Case c's inputs, and the attention kernels' output and gradients of q, k and v for them. */
  function runAttention(c: AttentionCase) {
    const width = c.heads * c.dh;
    const qSize = c.queryBatch * c.time * width;
    const kSize = c.batch * c.time * width;
    const [q, k, v, dOut] = [values(qSize, 9, 1.5), values(kSize, 10, 1.5), values(kSize, 11), values(kSize, 12)];
    const probs = c.batch * c.heads * c.time * c.time;
    const { heap, offsets } = heapOf(q, k, v, dOut, kSize, probs, qSize, kSize, kSize);
    const [oq, ok, ov, odo, oo, op, odq, odk, odv] = offsets;
    const shape = [c.batch, c.queryBatch, c.time, c.time, c.heads, c.dh, c.causal] as const;
    a.attentionForward(heap, ...shape, oq, ok, ov, oo, op);
    a.attentionBackward(heap, ...shape, odo, oq, ok, ov, op, odq, odk, odv);
    const grads = [view(heap, odq, qSize), view(heap, odk, kSize), view(heap, odv, kSize)] as const;
    return { inputs: [q, k, v] as const, dOut, out: view(heap, oo, kSize), grads, everything: heap.slice(oo / 4) };
  }

  for (const [name, c] of cases) {
    it(`attention (${name}): forward equals softmax(q k^T) v, backward its central differences`, () => {
      everyKernel(a, (build) => {
        const { inputs, dOut, out, grads } = runAttention(c);
        const reference = attentionReference(c);
        const exact = inputs.map(f64);
        expect(maxError(out, reference(exact)), build).toBeLessThan(1e-5);
        for (const which of [0, 1, 2] as const) {
          const expected = numericGradient(reference, exact, which, dOut);
          expect(maxError(grads[which], expected), `${build} d${'qkv'[which]}`).toBeLessThan(5e-5);
        }
      });
    });
  }

  it('attention split between 1, 2 and 3 threads gives bit-identical outputs and gradients (shared query included)', () => {
    const wide: [string, AttentionCase] = [
      'wide batch',
      { batch: 5, queryBatch: 5, time: 6, heads: 3, dh: 4, causal: true },
    ];
    for (const [name, c] of [...cases, wide]) {
      const results: Float32Array[] = [];
      try {
        for (const threads of [1, 2, 3]) {
          a.setThreads(threads);
          results.push(runAttention(c).everything);
        }
      } finally {
        a.setThreads(1);
      }
      expect(results[1], name).toEqual(results[0]);
      expect(results[2], name).toEqual(results[0]);
    }
  });

  it('the dense estimator gradient equals its sum over every code (H = 1, 5 and 11: one and several code blocks)', () => {
    const byBuild = new Map<string, Float32Array[]>();
    everyKernel(a, (build) => {
      for (const bits of [1, 5, 11]) {
        // 70 tokens at H = 11: tiles of 32 tokens, the last one partial.
        const [n, width, codes] = [bits === 11 ? 70 : 7, 9, 2 ** bits];
        const logits = values(n * bits, bits, 3);
        const dR = values(n * width, 2 * bits);
        const table = values(codes * width, 3 * bits);
        const { heap, offsets } = heapOf(logits, dR, table, n * bits);
        a.denseBitGradient(heap, n, bits, width, offsets[0]!, offsets[1]!, offsets[2]!, offsets[3]!);
        const expected: number[] = [];
        for (let t = 0; t < n; t++) {
          const prob = Array.from({ length: bits }, (_, h) => 1 / (1 + Math.exp(-logits[t * bits + h])));
          const grad = new Array<number>(bits).fill(0);
          for (let d = 0; d < codes; d++) {
            let g = 0;
            for (let e = 0; e < width; e++) g += dR[t * width + e] * table[d * width + e];
            let G = 1;
            for (let h = 0; h < bits; h++) G *= (d >> h) & 1 ? prob[h] : 1 - prob[h];
            for (let h = 0; h < bits; h++) grad[h] = grad[h] + g * G * (((d >> h) & 1) - prob[h]);
          }
          expected.push(...grad);
        }
        const got = view(heap, offsets[3]!, n * bits).slice();
        expect(maxError(got, expected), `${build} H=${bits}`).toBeLessThan(1e-5);
        byBuild.set(build, [...(byBuild.get(build) ?? []), got]);
      }
    });
    // The AVX-512 and AVX2 builds (GEMM and the per-token folds) give the same bits.
    if (byBuild.has('avx512f') && byBuild.has('avx2-fma'))
      expect(byBuild.get('avx512f')).toEqual(byBuild.get('avx2-fma'));
    expect(() => a.denseBitGradient(new Float32Array(8), 1, 25, 1, 0, 0, 0, 0)).toThrow(/bits must be at most 24/);
  });

  it('AdamW equals the step written out, and sums of squares span several arrays', () => {
    everyKernel(a, (build) => {
      const n = 29;
      const [w, m, g] = [values(n, 1), values(n, 2, 0.1), values(n, 3)];
      const v = values(n, 4, 0.01).map(Math.abs);
      const { heap, offsets } = heapOf(w, m, v, g, n, n, n);
      const [ow, om, ov, og, owOut, omOut, ovOut] = offsets;
      const [beta1, beta2, stepSize, epsHat, decay] = [0.9, 0.95, 1e-3, 1e-8, 0.999];
      a.adamW(heap, n, ow, om, ov, og, beta1, beta2, stepSize, epsHat, decay, owOut, omOut, ovOut);
      const mNew = Array.from(m, (x, i) => x * beta1 + g[i] * (1 - beta1));
      const vNew = Array.from(v, (x, i) => x * beta2 + g[i] ** 2 * (1 - beta2));
      const wNew = Array.from(w, (x, i) => x * decay - (mNew[i] / (Math.sqrt(vNew[i]) + epsHat)) * stepSize);
      expect(maxError(view(heap, offsets[4]!, n), wNew), build).toBeLessThan(1e-6);
      expect(maxError(view(heap, offsets[5]!, n), mNew), build).toBeLessThan(1e-6);
      expect(maxError(view(heap, offsets[6]!, n), vNew), build).toBeLessThan(1e-6);
      const total = a.sumOfSquares(heap, [offsets[0]!, offsets[3]!], [n, n]);
      const expected = [...w, ...g].reduce((s, x) => s + x * x, 0);
      expect(Math.abs(total - expected) / expected).toBeLessThan(1e-6);
    });
    expect(() => a.sumOfSquares(new Float32Array(4), [0], [5])).toThrow(
      /array needs bytes 0\.\.20 but the buffer holds 16/,
    );
    expect(() => a.sumOfSquares(new Float32Array(4), [0, 4], [1])).toThrow(
      /offsets and sizes must have the same length/,
    );
  });

  it('refuses inconsistent attention shapes', () => {
    const heap = new Float32Array(1024);
    expect(() => a.attentionForward(heap, 2, 3, 4, 4, 1, 2, false, 0, 0, 0, 0, 0)).toThrow(
      /queryBatch must be 1 or batch \(2\), got 3/,
    );
    expect(() => a.attentionForward(heap, 1, 1, 3, 4, 1, 2, true, 0, 0, 0, 0, 0)).toThrow(
      /causal attention needs queryTime == keyTime/,
    );
    expect(() => a.attentionForward(heap, 16, 16, 16, 16, 2, 4, false, 0, 0, 0, 0, 0)).toThrow(/q needs bytes/);
  });
});
