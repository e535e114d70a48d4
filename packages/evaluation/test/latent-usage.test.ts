import { createDataset } from '@ftlab/data';
import { createModel } from '@ftlab/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateLikelihood } from '../src/index.js';
import { detectCollapse, latentUsage, latentUsageRecords, measureLatentUsage } from '../src/latent-usage.js';
import { randomizeWeights, useWasm } from './helpers.js';

beforeAll(useWasm);

describe('latent usage', () => {
  it('converts per-bit KL to bits and counts the bits above the threshold as live channels', () => {
    const usage = latentUsage([Math.LN2, 0.005 * Math.LN2, 0.5 * Math.LN2, 0], { liveThresholdBits: 0.01 });
    expect(usage.perBitKlBits.map((b) => +b.toFixed(12))).toEqual([1, 0.005, 0.5, 0]);
    expect(usage.klBitsPerToken).toBeCloseTo(1.505, 12);
    expect(usage.liveBits).toEqual([0, 2]);
    expect(usage.liveChannels).toBe(2);
    expect(latentUsage([0.1]).thresholdBits).toBe(0.01);
    expect(latentUsage([]).liveChannels).toBe(0);
    expect(() => latentUsage([-0.1])).toThrow(/bit 0 has KL -0.1 nats/);
    expect(() => latentUsage([0.1], { liveThresholdBits: -1 })).toThrow(
      /liveThresholdBits must be a finite number >= 0/,
    );
    const records = latentUsageRecords(usage, 10);
    expect(records.map((r) => r.metric)).toEqual([
      'kl_bits_per_token',
      'live_channels',
      'kl_bits_bit0',
      'kl_bits_bit1',
      'kl_bits_bit2',
      'kl_bits_bit3',
    ]);
    expect(records[1]).toMatchObject({ task: 'latent', value: 2, n: 10, stderr: null });
    expect(latentUsageRecords(usage, 10, { klBitsStderr: 0.02, task: 'z' })[0]).toMatchObject({
      task: 'z',
      stderr: 0.02,
    });
  });

  it('measures the same per-bit KL as the likelihood pass, and none for a baseline', () => {
    const data = createDataset({ kind: 'arithmetic', validationSequences: 12 }, { seed: 1 });
    const common = { vocabSize: data.vocabSize, width: 16, layers: 2, heads: 2, contextLength: 10, latentBits: 4 };
    const model = createModel({ ...common, zeroInitPostSampler: false }, 2);
    randomizeWeights(model, 3, 0.3);
    const batches = data.evaluationBatches('validation', { batchSize: 5, sequenceLength: 10 });
    const usage = measureLatentUsage(model, batches, { seed: 1, liveThresholdBits: 0.05 });
    const fromLikelihood = evaluateLikelihood(model, batches, { seed: 1, iwaeSamples: 1, priorSamples: 1 });
    expect(usage.perBitKlBits).toHaveLength(4);
    usage.perBitKlBits.forEach((bits, h) => {
      expect(bits).toBeCloseTo(fromLikelihood.perBitKl[h] / Math.LN2, 5);
      expect(bits).toBeGreaterThanOrEqual(0);
      expect(bits).toBeLessThanOrEqual(1);
    });
    expect(usage.klBitsPerToken).toBeCloseTo(fromLikelihood.klPerToken.value / Math.LN2, 5);
    const baseline = createModel({ ...common, variant: 'baseline' }, 2);
    expect(measureLatentUsage(baseline, batches, { seed: 1 })).toMatchObject({
      klBitsPerToken: 0,
      liveChannels: 0,
      perBitKlBits: [],
    });
    model.dispose();
    baseline.dispose();
  });
});

describe('collapse', () => {
  const history = (values: number[]) => values.map((klBitsPerToken, i) => ({ step: (i + 1) * 100, klBitsPerToken }));

  it('flags KL below the threshold for the last N evaluations, and only then', () => {
    const collapsed = detectCollapse(history([2, 0.5, 0.004, 0.002, 0.001]), { thresholdBits: 0.01, window: 3 });
    expect(collapsed).toMatchObject({ collapsed: true, lowSince: 300, lowEvaluations: 3, lastKlBits: 0.001 });
    expect(collapsed.reason).toMatch(/since step 300/);
    // Recovered at the end: not collapsed, though it was low for a while.
    expect(detectCollapse(history([0.001, 0.001, 0.001, 0.5]), { window: 3 }).collapsed).toBe(false);
    // Too short a stretch.
    expect(detectCollapse(history([1, 0.001, 0.001]), { window: 3 })).toMatchObject({
      collapsed: false,
      lowEvaluations: 2,
    });
    // Too few evaluations altogether.
    expect(detectCollapse(history([0.001]), { window: 3 }).reason).toMatch(/only 1 evaluation/);
  });

  it('orders by step, treats a non-finite KL as no evidence of collapse, and checks its options', () => {
    const shuffled = [
      { step: 300, klBitsPerToken: 0.001 },
      { step: 100, klBitsPerToken: 0.001 },
      { step: 200, klBitsPerToken: 0.001 },
    ];
    expect(detectCollapse(shuffled, { window: 3 })).toMatchObject({ collapsed: true, lowSince: 100 });
    expect(detectCollapse(history([0.001, Number.NaN, 0.001, 0.001]), { window: 3 }).collapsed).toBe(false);
    expect(() => detectCollapse(history([1]), { window: 0 })).toThrow(/window must be an integer >= 1/);
    expect(() => detectCollapse([{ step: 1.5, klBitsPerToken: 0 }])).toThrow(/point 0: step must be an integer/);
  });

  it('says whether KL sits at the free-bits budget', () => {
    expect(detectCollapse(history([3, 0.52, 0.49, 0.5]), { kappaBits: 0.5, window: 3 }).pinnedAtKappa).toBe(true);
    expect(detectCollapse(history([3, 0.9, 0.49, 0.5]), { kappaBits: 0.5, window: 3 }).pinnedAtKappa).toBe(false);
    expect(detectCollapse(history([0.5]), {}).pinnedAtKappa).toBeUndefined();
  });
});
