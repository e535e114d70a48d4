import { tf } from '@ftlab/backend';
import { describe, expect, it } from 'vitest';
import { createModel } from '../src/index.js';
import { bitKl, freeBitsPenalty, logPosterior, tokenKl } from '../src/kl.js';
import { Rng } from '../src/random.js';
import { ENGINES, randomizeWeights, randomTokens, tinyConfig, tokens2d, useEngine } from './helpers.js';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** KL(Q || Uniform(2^H)) = sum_d Q_d log(Q_d 2^H), with Q over all 2^H codes enumerated (float64). */
function bruteForceKl(logits: number[]): number {
  const h = logits.length;
  let kl = 0;
  for (let d = 0; d < 2 ** h; d++) {
    let q = 1;
    for (let i = 0; i < h; i++) q *= (d >> i) & 1 ? sigmoid(logits[i]) : 1 - sigmoid(logits[i]);
    if (q > 0) kl += q * Math.log(q * 2 ** h);
  }
  return kl;
}

describe.each(ENGINES)('KL against the uniform prior on %s', (engine) => {
  it('equals the brute-force categorical KL over all 2^H codes', async () => {
    await useEngine(engine);
    const rng = new Rng(5);
    for (const h of [1, 2, 3, 4]) {
      const rows = Array.from({ length: 20 }, () => Array.from({ length: h }, () => rng.normal() * 3));
      const kl = tokenKl(tf.tensor2d(rows)).dataSync();
      rows.forEach((row, n) => {
        expect(Math.abs(kl[n] - bruteForceKl(row))).toBeLessThan(2e-6 * h);
      });
    }
  });

  it('stays within [0, H ln 2], at the extremes too', async () => {
    await useEngine(engine);
    const extremes = [-80, -30, -1e-7, 0, 1e-7, 1, 30, 80];
    const h = extremes.length;
    const rng = new Rng(6);
    const rows = [extremes, extremes.map(() => 0), extremes.map((x) => -x)];
    for (let i = 0; i < 200; i++) rows.push(Array.from({ length: h }, () => rng.normal() * 10));
    const kl = tokenKl(tf.tensor2d(rows)).dataSync();
    const perBit = bitKl(tf.tensor2d(rows)).dataSync();
    for (const value of kl) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(h * Math.fround(Math.LN2) + 1e-6);
    }
    for (const value of perBit) expect(value).toBeGreaterThanOrEqual(0);
    expect(kl[1]).toBe(0); // p = 1/2 everywhere: Q is the prior
    // saturated bits carry ln 2 each; the others their exact binary KL
    const expected = extremes.reduce((sum, l) => {
      const p = sigmoid(l);
      const entropy = p > 0 && p < 1 ? -p * Math.log(p) - (1 - p) * Math.log(1 - p) : 0;
      return sum + Math.LN2 - entropy;
    }, 0);
    expect(Math.abs(kl[0] - expected)).toBeLessThan(1e-5);
  });

  it('applies the free-bits hinge per token, before averaging', async () => {
    await useEngine(engine);
    const kl = tf.tensor2d([[0.1, 1.0]]);
    // per token: max(0, 0.1 - 0.5) = 0 and max(0, 1.0 - 0.5) = 0.5 -> mean 0.25,
    // whereas a hinge on the mean would give max(0, 0.55 - 0.5) = 0.05.
    expect(freeBitsPenalty(kl, 0.5).dataSync()[0]).toBeCloseTo(0.25, 6);
    expect(freeBitsPenalty(kl, 2).dataSync()[0]).toBe(0);
  });

  it('log Q(z | S) equals the log of the enumerated code probability', async () => {
    await useEngine(engine);
    const logits = [1.5, -0.3, 2.2];
    const bits = [1, 0, 0];
    const expected = Math.log(sigmoid(1.5) * (1 - sigmoid(-0.3)) * (1 - sigmoid(2.2)));
    expect(logPosterior(tf.tensor2d([logits]), tf.tensor2d([bits])).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it("the model's loss is mean CE + mean_t max(0, KL_t - kappa) with kappa = 1 nat, and KL_t reported per token", async () => {
    await useEngine(engine);
    const model = createModel(tinyConfig({ kappaNats: 1 }), 1);
    randomizeWeights(model, 2, 0.8);
    const x = tokens2d(randomTokens(3, 6, 7, 3), 3, 6);
    const y = tokens2d(randomTokens(3, 6, 7, 4), 3, 6);
    const out = model.forward(x, y, { seed: 1 });
    const klPerToken = out.klPerToken.dataSync();
    const bitLogits = out.bitLogits?.arraySync() as number[][][];
    const flat = bitLogits.flat();
    flat.forEach((row, i) => {
      expect(Math.abs(klPerToken[i] - bruteForceKl(row))).toBeLessThan(1e-5);
    });
    const above = Array.from(klPerToken).filter((v) => v > 1).length;
    expect(above).toBeGreaterThan(0); // the hinge is active on some tokens...
    expect(above).toBeLessThan(klPerToken.length); // ...and not on others
    const penalty = Array.from(klPerToken).reduce((s, v) => s + Math.max(0, v - 1), 0) / klPerToken.length;
    const loss = out.loss.dataSync()[0];
    const ce = out.ce.dataSync()[0];
    expect(loss - ce).toBeCloseTo(penalty, 5);
    expect(out.kl.dataSync()[0]).toBeCloseTo(Array.from(klPerToken).reduce((s, v) => s + v, 0) / klPerToken.length, 5);
    const bitMeans = out.bitKl?.dataSync() as Float32Array;
    expect(Array.from(bitMeans).reduce((s, v) => s + v, 0)).toBeCloseTo(out.kl.dataSync()[0], 5);
    model.dispose();
  });
});
