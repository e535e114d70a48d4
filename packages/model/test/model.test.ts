import { type Tensor, tf } from '@ftlab/backend';
import { describe, expect, it } from 'vitest';
import type { TransformerModel } from '../src/free-transformer.js';
import { createModel, type ModelConfigInput } from '../src/index.js';
import type { ForwardResult } from '../src/types.js';
import {
  copySharedWeights,
  ENGINES,
  maxAbsDiff,
  randomizeWeights,
  randomTokens,
  tinyConfig,
  tokens2d,
  useEngine,
} from './helpers.js';

function dispose(result: ForwardResult): void {
  tf.dispose(Object.values(result) as Tensor[]);
}

/** logits[:, 0..t] of two inputs that agree up to position t. */
function prefixLogitsDiff(a: Tensor, b: Tensor, t: number): number {
  return tf.tidy(() => {
    const [batch, , vocab] = a.shape as [number, number, number];
    return maxAbsDiff(tf.slice(a, [0, 0, 0], [batch, t + 1, vocab]), tf.slice(b, [0, 0, 0], [batch, t + 1, vocab]));
  });
}

/** Same tokens up to position t, different ones after it. */
function divergingInputs(batch: number, time: number, vocab: number, t: number): [tf.Tensor2D, tf.Tensor2D] {
  const a = randomTokens(batch, time, vocab, 1);
  const b = a.slice();
  for (let n = 0; n < batch; n++)
    for (let s = t + 1; s < time; s++) b[n * time + s] = (a[n * time + s] + 1 + n) % vocab;
  return [tokens2d(a, batch, time), tokens2d(b, batch, time)];
}

describe('initialisation across engines', () => {
  it('gives bit-identical weights on wasm and cpu for the same seed', async () => {
    const weights: number[][][] = [];
    for (const engine of ENGINES) {
      await useEngine(engine);
      const model = createModel(tinyConfig({ variant: 'cvae', zeroInitPostSampler: false }), 7);
      weights.push(model.variables.map((v) => Array.from(v.variable.dataSync())));
      model.dispose();
    }
    expect(weights[0]).toEqual(weights[1]);
  });
});

describe.each(ENGINES)('model on %s', (engine) => {
  it('initialises deterministically from the seed', async () => {
    await useEngine(engine);
    const config = tinyConfig({ zeroInitPostSampler: false });
    const a = createModel(config, 42);
    const b = createModel(config, 42);
    const c = createModel(config, 43);
    a.variables.forEach(({ name, variable }, i) => {
      expect(b.variables[i]?.name).toBe(name);
      expect(Array.from(variable.dataSync())).toEqual(Array.from(b.variables[i]?.variable.dataSync() ?? []));
    });
    const embedding = (m: typeof a) => Array.from(m.variables[0]?.variable.dataSync() ?? []);
    expect(embedding(a)).not.toEqual(embedding(c));
    for (const m of [a, b, c]) m.dispose();
  });

  it('returns the contracted shapes and dtypes for every variant', async () => {
    await useEngine(engine);
    for (const variant of ['baseline', 'baseline-plus-one', 'free-transformer', 'cvae'] as const) {
      const model = createModel(tinyConfig({ variant }), 1);
      const x = tokens2d(randomTokens(2, 5, 7, 2), 2, 5);
      const out = model.forward(x, x, { seed: 1 });
      expect(out.logits.shape).toEqual([2, 5, 7]);
      for (const t of [out.cePerToken, out.klPerToken, out.codes, out.logQ]) expect(t.shape).toEqual([2, 5]);
      expect(out.codes.dtype).toBe('int32');
      for (const t of [out.ce, out.kl, out.loss]) expect(t.shape).toEqual([]);
      expect(Number.isFinite(out.loss.dataSync()[0])).toBe(true);
      if (variant === 'free-transformer' || variant === 'cvae') {
        expect(out.bitLogits?.shape).toEqual([2, 5, 2]);
        expect(out.bitKl?.shape).toEqual([2]);
      } else {
        expect(Array.from(out.codes.dataSync()).every((v) => v === 0)).toBe(true);
        expect(out.kl.dataSync()[0]).toBe(0);
        expect(out.loss.dataSync()[0]).toBe(out.ce.dataSync()[0]);
        expect(out.bitLogits).toBeUndefined();
      }
      dispose(out);
      const noTargets = model.forward(x, null, { seed: 1 });
      expect('loss' in noTargets).toBe(false);
      dispose(noTargets);
      model.dispose();
    }
    expect(createModel(tinyConfig({ variant: 'baseline-plus-one' }), 1).variables.length).toBe(
      createModel(tinyConfig({ variant: 'baseline' }), 1).variables.length + 9,
    );
  });

  it('baseline: logits at t do not change when later tokens change', async () => {
    await useEngine(engine);
    const model = createModel(tinyConfig({ variant: 'baseline', contextLength: 8 }), 1);
    randomizeWeights(model, 2);
    for (const t of [0, 3, 6]) {
      const [a, b] = divergingInputs(2, 8, 7, t);
      const la = model.forward(a, null, { seed: 1 });
      const lb = model.forward(b, null, { seed: 1 });
      expect(prefixLogitsDiff(la.logits, lb.logits, t)).toBe(0);
      expect(maxAbsDiff(la.logits, lb.logits)).toBeGreaterThan(1e-3); // later positions do change
      dispose(la);
      dispose(lb);
    }
    model.dispose();
  });

  it.each([
    ['free-transformer', {}],
    ['free-transformer, R after the norm', { latentKvPath: 'after-norm' }],
    ['cvae', { variant: 'cvae' }],
  ] as Array<[string, ModelConfigInput]>)(
    '%s: causal when Z is pinned, not when Z comes from the encoder',
    async (_, overrides) => {
      await useEngine(engine);
      const model = createModel(tinyConfig({ zeroInitPostSampler: false, latentBits: 3, ...overrides }), 1);
      randomizeWeights(model, 3);
      const codes = Int32Array.from(randomTokens(2, 8, 8, 9));
      const t = 3;
      const [a, b] = divergingInputs(2, 8, 7, t);
      const pinned = { mode: 'given', codes } as const;
      const la = model.forward(a, null, { seed: 1, z: pinned });
      const lb = model.forward(b, null, { seed: 1, z: pinned });
      expect(prefixLogitsDiff(la.logits, lb.logits, t)).toBe(0);
      expect(Array.from(la.codes.dataSync())).toEqual(Array.from(codes));
      // With Z from the (non-causal) encoder, the future leaks into earlier positions.
      const pa = model.forward(a, null, { seed: 1 });
      const pb = model.forward(b, null, { seed: 1 });
      expect(
        maxAbsDiff(
          tf.slice(pa.bitLogits as Tensor, [0, 0, 0], [2, t + 1, 3]),
          tf.slice(pb.bitLogits as Tensor, [0, 0, 0], [2, t + 1, 3]),
        ),
      ).toBeGreaterThan(1e-3);
      for (const r of [la, lb, pa, pb]) dispose(r);
      model.dispose();
    },
  );

  it('encoder: different bit logits at different positions (no positional collapse)', async () => {
    await useEngine(engine);
    for (const variant of ['free-transformer', 'cvae'] as const) {
      const model = createModel(tinyConfig({ variant, latentBits: 3 }), 1);
      randomizeWeights(model, 5, 0.5);
      const x = tokens2d(randomTokens(1, 8, 7, 6), 1, 8);
      const out = model.forward(x, null, { seed: 1 });
      const logits = out.bitLogits?.arraySync()[0] as number[][];
      for (let s = 0; s < 8; s++) {
        for (let t = s + 1; t < 8; t++) {
          const diff = Math.max(...(logits[s] as number[]).map((v, h) => Math.abs(v - logits[t]?.[h])));
          expect(diff, `positions ${s} and ${t}`).toBeGreaterThan(1e-3);
        }
      }
      dispose(out);
      model.dispose();
    }
  });

  it('with a zero post-sampler the untrained Free Transformer computes exactly the baseline', async () => {
    await useEngine(engine);
    const baseline = createModel(tinyConfig({ variant: 'baseline' }), 11);
    randomizeWeights(baseline, 12);
    const x = tokens2d(randomTokens(2, 8, 7, 13), 2, 8);
    const expected = baseline.forward(x, x, { seed: 1 });
    for (const overrides of [{}, { latentKvPath: 'after-norm' }, { variant: 'cvae' }] as ModelConfigInput[]) {
      const ft = createModel(tinyConfig(overrides), 11);
      randomizeWeights(ft, 99); // encoder weights random too: they must not matter
      const post = ft.variables.find((v) => v.name === 'model.post_sampler.weight')?.variable;
      post?.assign(tf.zerosLike(post));
      expect(copySharedWeights(baseline, ft)).toBe(baseline.variables.length);
      for (const z of [{ mode: 'posterior' }, { mode: 'prior' }] as const) {
        const out = ft.forward(x, x, { seed: 5, z });
        expect(maxAbsDiff(out.logits, expected.logits)).toBeLessThan(1e-6);
        expect(maxAbsDiff(out.cePerToken, expected.cePerToken)).toBeLessThan(1e-6);
        dispose(out);
      }
      ft.dispose();
    }
    dispose(expected);
    baseline.dispose();
  });

  it('R reaches only the keys and values of block m+1: its queries and all earlier blocks are unchanged', async () => {
    await useEngine(engine);
    for (const latentKvPath of ['before-norm', 'after-norm'] as const) {
      const config = tinyConfig({
        layers: 4,
        encoderPlacement: 2,
        zeroInitPostSampler: false,
        latentBits: 3,
        latentKvPath,
      });
      const model = createModel(config, 1) as TransformerModel;
      randomizeWeights(model, 7);
      const x = tokens2d(randomTokens(2, 6, 7, 8), 2, 6);
      const traced = (codes: Int32Array) => {
        const seen = new Map<string, number[]>();
        const out = model.forwardWith(x, null, {
          offset: 0,
          cache: null,
          z: { mode: 'given', codes },
          seed: 1,
          encoder: true,
          trace: (block, name, tensor) => seen.set(`${block}.${name}`, Array.from(tensor.dataSync())),
        });
        dispose(out);
        return seen;
      };
      const a = traced(new Int32Array(12).fill(1));
      const b = traced(new Int32Array(12).fill(6));
      const differs = (key: string) => {
        const va = a.get(key) as number[];
        const vb = b.get(key) as number[];
        expect(va, key).toBeDefined();
        return va.some((v, i) => Math.abs(v - vb[i]) > 1e-6);
      };
      for (let l = 0; l < 2; l++)
        for (const n of ['input', 'q', 'k', 'v']) expect(differs(`layers.${l}.${n}`), `layers.${l}.${n}`).toBe(false);
      for (const n of ['q', 'k', 'v']) expect(differs(`encoder.${n}`), `encoder.${n}`).toBe(false);
      expect(differs('layers.2.input')).toBe(false); // R is not added to the residual stream
      expect(differs('layers.2.q')).toBe(false);
      expect(differs('layers.2.k')).toBe(true);
      expect(differs('layers.2.v')).toBe(true);
      expect(differs('layers.3.input')).toBe(true); // downstream consequences only
      model.dispose();
    }
  });

  it('Z modes: posterior codes depend on the seed, prior codes are uniform, given codes are used as given', async () => {
    await useEngine(engine);
    const model = createModel(tinyConfig({ latentBits: 3, contextLength: 64 }), 1);
    const x = tokens2d(randomTokens(16, 64, 7, 3), 16, 64);
    const codesOf = (out: ForwardResult) => Array.from(out.codes.dataSync());
    const p1 = model.forward(x, null, { seed: 1 });
    const p1again = model.forward(x, null, { seed: 1 });
    const p2 = model.forward(x, null, { seed: 2 });
    expect(codesOf(p1)).toEqual(codesOf(p1again));
    expect(codesOf(p1)).not.toEqual(codesOf(p2));
    const prior = model.forward(x, null, { seed: 3, z: { mode: 'prior' } });
    const counts = new Array(8).fill(0);
    for (const c of codesOf(prior)) counts[c]++;
    const expectedCount = (16 * 64) / 8;
    const chi2 = counts.reduce((s, n) => s + (n - expectedCount) ** 2 / expectedCount, 0);
    expect(chi2).toBeLessThan(24.3); // 7 degrees of freedom, 99.9% quantile
    const given = Int32Array.from({ length: 16 * 64 }, (_, i) => i % 8);
    const pinned = model.forward(x, null, { seed: 4, z: { mode: 'given', codes: given } });
    expect(codesOf(pinned)).toEqual(Array.from(given));
    // log Q(z | S) of the given codes: sum_h log P(b_h = bit_h(z))
    const bitLogits = pinned.bitLogits?.dataSync() as Float32Array;
    const logQ = pinned.logQ.dataSync();
    for (const i of [0, 5, 77]) {
      let expected = 0;
      for (let h = 0; h < 3; h++) {
        const l = bitLogits[i * 3 + h];
        const p = 1 / (1 + Math.exp(-l));
        expected += Math.log((given[i] >> h) & 1 ? p : 1 - p);
      }
      expect(logQ[i]).toBeCloseTo(expected, 5);
    }
    const asTensor = model.forward(x, null, {
      seed: 4,
      z: { mode: 'given', codes: tf.tensor2d(given, [16, 64], 'int32') },
    });
    expect(codesOf(asTensor)).toEqual(Array.from(given));
    for (const r of [p1, p1again, p2, prior, pinned, asTensor]) dispose(r);
    model.dispose();
  });

  it('refuses bad inputs with messages that say what was wrong', async () => {
    await useEngine(engine);
    const model = createModel(tinyConfig({ contextLength: 4 }), 1);
    const ok = tokens2d([1, 2, 3], 1, 3);
    expect(() => model.forward(tf.tensor2d([[1, 2]]), null, { seed: 1 })).toThrow(
      /forward inputs: expected int32 token ids, got float32/,
    );
    expect(() => model.forward(tf.tensor1d([1], 'int32') as never, null, { seed: 1 })).toThrow(
      /expected a \[batch, time\] tensor/,
    );
    expect(() => model.forward(tokens2d([1, 2, 3, 4, 5], 1, 5), null, { seed: 1 })).toThrow(
      /length 5 exceeds the model's contextLength 4/,
    );
    expect(() => model.forward(tokens2d([1, 9, 3], 1, 3), null, { seed: 1 })).toThrow(
      /token id 9 is outside 0..6 \(vocabSize=7\)/,
    );
    expect(() => model.forward(tokens2d([1, -1, 3], 1, 3), null, { seed: 1 })).toThrow(/token id -1 is outside/);
    expect(() => model.forward(ok, tokens2d([1, 2], 1, 2), { seed: 1 })).toThrow(
      /targets shape \[1,2\] differs from inputs shape \[1,3\]/,
    );
    expect(() => model.forward(ok, null, { seed: 1.5 })).toThrow(/options.seed must be an integer/);
    expect(() => model.forward(ok, null, { seed: 1, z: { mode: 'given', codes: new Int32Array(2) } })).toThrow(
      /z.codes: expected 3 values, got 2/,
    );
    expect(() => model.forward(ok, null, { seed: 1, z: { mode: 'given', codes: Int32Array.from([0, 4, 1]) } })).toThrow(
      /z.codes: value 4 at index 1 is not an integer in 0..3/,
    );
    expect(() => model.forward(ok, null, { seed: 1, z: { mode: 'maybe' } as never })).toThrow(/z.mode: "maybe" is not/);
    expect(() => createModel(tinyConfig(), 0.5)).toThrow(/seed must be an integer/);
    model.dispose();
  });
});
