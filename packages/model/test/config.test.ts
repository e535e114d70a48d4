import { describe, expect, it } from 'vitest';
import { defaultMlpWidth } from '../src/config.js';
import { decoderLayerCount, ModelConfigError, resolveModelConfig } from '../src/index.js';

function problemsOf(input: Parameters<typeof resolveModelConfig>[0]): string[] {
  try {
    resolveModelConfig(input);
  } catch (error) {
    if (error instanceof ModelConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('resolveModelConfig', () => {
  it('fills every default explicitly and round-trips through JSON', () => {
    const config = resolveModelConfig({ vocabSize: 29 });
    expect(config).toEqual({
      variant: 'free-transformer',
      vocabSize: 29,
      width: 128,
      layers: 4,
      heads: 4,
      mlpWidth: defaultMlpWidth(128),
      contextLength: 256,
      ropeBase: 10_000,
      normEps: 1e-5,
      latentBits: 8,
      kappaNats: 0,
      encoderPlacement: 2,
      estimator: 'dense',
      zeroInitPostSampler: true,
      latentKvPath: 'before-norm',
      promptZ: 'posterior',
      denseChunkBytes: 64 * 1024 * 1024,
      tieEmbeddings: false,
      cvaeEncoderLayers: 4,
      initStd: 0.02,
    });
    expect(resolveModelConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    expect(defaultMlpWidth(128)).toBe(352); // 8/3 * 128 = 341.3, rounded up to a multiple of 32
  });

  it('stores kappa in nats whether given in bits or nats', () => {
    expect(resolveModelConfig({ vocabSize: 5, kappa: { bits: 0.5 } }).kappaNats).toBeCloseTo(Math.LN2 / 2, 12);
    expect(resolveModelConfig({ vocabSize: 5, kappa: { nats: 0.3 } }).kappaNats).toBe(0.3);
    expect(resolveModelConfig({ vocabSize: 5, kappaNats: 0.3 }).kappaNats).toBe(0.3);
    expect(problemsOf({ vocabSize: 5, kappa: { bits: 1 }, kappaNats: 1 })).toEqual([
      'model.kappa: give either kappa or kappaNats, not both',
    ]);
    expect(problemsOf({ vocabSize: 5, kappa: { furlongs: 1 } as never })[0]).toMatch(
      /model.kappa: must be \{ bits: x \} or \{ nats: x \}, got \{"furlongs":1\}/,
    );
    expect(problemsOf({ vocabSize: 5, kappa: { bits: -1 } })[0]).toMatch(
      /model.kappa.bits: Too small: expected number to be >=0, got -1/,
    );
  });

  it('defaults encoder placement to floor(L/2) and the cvae encoder to a full L blocks', () => {
    expect(resolveModelConfig({ vocabSize: 5, layers: 6 }).encoderPlacement).toBe(3);
    expect(resolveModelConfig({ vocabSize: 5, layers: 7 }).encoderPlacement).toBe(3);
    expect(resolveModelConfig({ vocabSize: 5, layers: 6, variant: 'cvae' }).cvaeEncoderLayers).toBe(6);
  });

  it('lists every bad field at once, with its value and the allowed range', () => {
    const problems = problemsOf({
      vocabSize: 1,
      layers: 4,
      encoderPlacement: 4,
      width: 30,
      heads: 4,
      estimator: 'exact' as never,
      latentBits: 17,
      zeroInitPostSampler: 'yes' as never,
      normEps: 0,
    });
    // Field checks first, then the rules across fields (also when some fields failed).
    expect(problems).toEqual([
      'model.vocabSize: Too small: expected number to be >=2, got 1',
      'model.normEps: Too small: expected number to be >0, got 0',
      'model.latentBits: Too big: H is at most 16 (the post-sampler has 2^H rows), got 17',
      'model.estimator: Invalid option: expected one of "dense"|"sampled"|"factored", got "exact"',
      'model.zeroInitPostSampler: expected boolean, got "yes"',
      'model.width: 30 is not divisible by heads=4',
      'model.encoderPlacement: 4 is outside 1..3 (L=4)',
    ]);
    const error = (() => {
      try {
        resolveModelConfig({ vocabSize: 5, layers: 4, encoderPlacement: 4 });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toBe('Invalid model config: model.encoderPlacement: 4 is outside 1..3 (L=4)');
  });

  it('requires the vocabulary size, an even head size, and L >= 2 for the Free Transformer', () => {
    expect(problemsOf({})).toEqual(['model.vocabSize: is required (the tokenizer decides it)']);
    expect(problemsOf({ vocabSize: 5, width: 12, heads: 4 })).toEqual([
      'model.heads: head size width/heads = 3 must be even (rotary embedding rotates pairs)',
    ]);
    expect(problemsOf({ vocabSize: 5, layers: 1 })[0]).toMatch(/model.layers: 1 is too few for the Free Transformer/);
    expect(problemsOf({ vocabSize: 5, layers: 1, variant: 'baseline' })).toEqual([]);
  });

  it('names unknown fields and suggests the likely one', () => {
    expect(problemsOf({ vocabSize: 5, encoderPlacment: 1 } as never)).toEqual([
      'model.encoderPlacment: unknown field (did you mean encoderPlacement?)',
    ]);
    expect(problemsOf({ vocabSize: 5, zzz: 1 } as never)).toEqual(['model.zzz: unknown field']);
  });

  it('counts L + 1 decoder blocks for the compute-matched baseline', () => {
    expect(decoderLayerCount(resolveModelConfig({ vocabSize: 5, variant: 'baseline-plus-one', layers: 4 }))).toBe(5);
    expect(decoderLayerCount(resolveModelConfig({ vocabSize: 5, variant: 'baseline', layers: 4 }))).toBe(4);
  });
});
