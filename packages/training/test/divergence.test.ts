import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DIVERGENCE,
  DivergenceDetector,
  type DivergenceOptions,
  LONG_WINDOW,
  SHORT_WINDOW,
  type StepValues,
} from '../src/divergence.js';

interface Curve {
  name: string;
  kind: 'healthy' | 'diverged';
  config: string;
  loss: number[];
  ce: number[];
  kl: number[];
  gradNorm: number[];
}

const curves = (
  JSON.parse(readFileSync(new URL('./fixtures/loss-curves.json', import.meta.url), 'utf8')) as {
    curves: Curve[];
  }
).curves;

const TOY_VOCAB = 29; // ln 29 = 3.37, the toy task's untrained cross-entropy
const options = (overrides: Partial<DivergenceOptions> = {}): DivergenceOptions => ({
  settings: DEFAULT_DIVERGENCE,
  ceiling: 100,
  vocabSize: TOY_VOCAB,
  lr: 1,
  warmupSteps: 2,
  ...overrides,
});

/** Feeds a curve step by step; the first reason and its step, or null when the whole curve passes. */
function replay(
  steps: StepValues[],
  detector = new DivergenceDetector(options()),
): { step: number; reason: string } | null {
  for (const [i, values] of steps.entries()) {
    const reason = detector.observe(i + 1, values);
    if (reason !== null) return { step: i + 1, reason };
  }
  return null;
}

const stepsOf = (curve: Curve): StepValues[] =>
  curve.ce.map((ce, i) => ({
    loss: curve.loss[i],
    ce,
    kl: curve.kl[i],
    gradNorm: curve.gradNorm[i],
  }));

/** Plain cross-entropy steps (no latent): loss = ce, kl = 0. */
const ceSteps = (ces: number[]): StepValues[] => ces.map((ce) => ({ loss: ce, ce, kl: 0, gradNorm: 1 }));

/** A seeded noise source, so the synthetic curves are the same on every run. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32 - 0.5;
  };
}

describe('divergence detection on curves recorded from real runs', () => {
  it('has healthy and divergent curves to judge', () => {
    expect(curves.filter((c) => c.kind === 'healthy').length).toBeGreaterThanOrEqual(5);
    expect(curves.filter((c) => c.kind === 'diverged').length).toBeGreaterThanOrEqual(2);
  });

  for (const curve of curves.filter((c) => c.kind === 'healthy')) {
    it(`lets a healthy run through: ${curve.name}`, () => {
      expect(replay(stepsOf(curve))).toBeNull();
    });
  }

  for (const curve of curves.filter((c) => c.kind === 'diverged')) {
    it(`stops a divergent run: ${curve.name}`, () => {
      const verdict = replay(stepsOf(curve));
      expect(verdict).not.toBeNull();
      expect(verdict?.reason).toMatch(
        new RegExp(
          `^diverged at step ${verdict?.step}: cross-entropy \\d+\\.\\d+ \\(median of the last ${SHORT_WINDOW} steps\\) is \\d+\\.\\dx the initial 3\\.\\d\\d \\(limit 8x, training\\.divergence\\.factor\\); lower training\\.lr \\(1\\) or raise training\\.warmupSteps \\(2\\)$`,
        ),
      );
    });
  }

  it('keeps a margin: the healthy curves stay under half the limit, or pass it only as chaos that recovered', () => {
    // With the factor halved (4x) the recovered chaos is caught, so the limit is not loose by
    // accident; the other healthy runs pass even at 2x.
    const strict = (factor: number) => new DivergenceDetector(options({ settings: { enabled: true, factor } }));
    for (const curve of curves.filter((c) => c.kind === 'healthy')) {
      const chaos = curve.name.startsWith('early chaos');
      expect(replay(stepsOf(curve), strict(4)) !== null, curve.name).toBe(chaos);
      if (!chaos) expect(replay(stepsOf(curve), strict(2)), curve.name).toBeNull();
    }
  });
});

describe('divergence detection rules', () => {
  it('fails at once on a NaN or infinite loss, cross-entropy, KL or gradient norm, whatever came before', () => {
    const healthy = { loss: 3.3, ce: 3.3, kl: 0, gradNorm: 2 };
    for (const [field, value, said] of [
      ['loss', Number.NaN, 'the loss is NaN'],
      ['ce', Number.POSITIVE_INFINITY, 'the cross-entropy is Infinity'],
      ['kl', Number.NaN, 'the KL is NaN'],
      ['gradNorm', Number.POSITIVE_INFINITY, 'the gradient norm is Infinity'],
      ['gradNorm', Number.NaN, 'the gradient norm is NaN'],
    ] as const) {
      // Even with the relative checks off: a NaN update would be written into the weights.
      const detector = new DivergenceDetector(options({ settings: { enabled: false, factor: 8 }, lr: 0.03 }));
      expect(detector.observe(1, healthy)).toBeNull();
      expect(detector.observe(2, { ...healthy, [field]: value })).toBe(
        `diverged at step 2: ${said}; lower training.lr (0.03) or raise training.warmupSteps (2)`,
      );
    }
  });

  it('fails when the median loss passes the absolute ceiling (training.divergenceLoss), not on one step', () => {
    // The ceiling judges the loss (KL penalty included), whatever the initial value.
    const detector = new DivergenceDetector(options({ ceiling: 2.5, settings: { enabled: false, factor: 8 } }));
    const losses = [2.4, 2.4, 90, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.6, 2.6, 2.6, 2.6, 2.6, 2.6];
    const steps = losses.map((loss) => ({ loss, ce: 2, kl: 0.1, gradNorm: 1 }));
    expect(replay(steps, detector)).toEqual({
      step: 17,
      reason:
        'diverged at step 17: loss 2.60 (median of the last 11 steps) is above training.divergenceLoss 2.5; lower training.lr (1) or raise training.warmupSteps (2)',
    });
  });

  it('catches a blow-up once most of the short window is above the limit, not on single spikes', () => {
    const next = noise(1);
    const ces = Array.from({ length: 40 }, (_, i) => 3.4 * Math.exp(-i / 20) + 0.1 * next());
    // Isolated spikes to 40x the initial value: the median ignores them.
    for (const i of [12, 19, 26, 33]) ces[i] = 136;
    expect(replay(ceSteps(ces))).toBeNull();
    // Then the loss climbs from 3.4 to 53 over 20 steps and stays there.
    const climb = [...ces, ...Array.from({ length: 20 }, (_, i) => 3.4 + (49.6 * i) / 19), ...Array(20).fill(53)];
    const verdict = replay(ceSteps(climb));
    const limit = 8 * Math.max(ces[0], Math.log(TOY_VOCAB));
    const firstAbove = climb.findIndex((ce, i) => i >= ces.length && ce > limit);
    expect(verdict?.reason).toMatch(/cross-entropy \d+\.\d+ \(median of the last 11 steps\) is \d+\.\dx the initial/);
    // Caught as soon as the median (6 of 11 steps) is above the limit, and not before.
    expect(verdict?.step).toBe(firstAbove + 1 + Math.floor(SHORT_WINDOW / 2));
  });

  it('measures against ln V when the first step scores better than an untrained model', () => {
    // A first cross-entropy of 0.5 would make 8x = 4 the limit; ln 29 x 8 = 26.9 is.
    const ces = [0.5, ...Array(30).fill(20)];
    expect(replay(ceSteps(ces))).toBeNull();
    expect(replay(ceSteps([0.5, ...Array(30).fill(28)]))?.reason).toMatch(/the initial 3\.37 \(limit 8x/);
  });

  it('catches a sustained rising trend below the blow-up limit, and not a flat or noisy plateau', () => {
    const next = noise(7);
    const learned = Array.from({ length: 150 }, (_, i) => 1 + 2.4 * Math.exp(-i / 15) + 0.3 * next());
    // Slowly worse again: from 1.0 to 7.0 over 150 steps (never 8x the initial 3.4).
    const rising = [...learned, ...Array.from({ length: 150 }, (_, i) => 1 + (6 * i) / 149 + 0.3 * next())];
    const verdict = replay(ceSteps(rising));
    expect(verdict?.reason).toMatch(
      /^diverged at step (\d+): cross-entropy rising: \d+\.\d+ \(median of steps \d+-\1\) is \d+\.\dx the \d+\.\d+ of the 50 steps before and above the initial 3\.\d\d;/,
    );
    expect(verdict?.step).toBeGreaterThan(150 + LONG_WINDOW);
    // A run that never learns (flat at ln V with noise) is not rising.
    expect(replay(ceSteps(Array.from({ length: 400 }, () => Math.log(TOY_VOCAB) + 0.8 * next())))).toBeNull();
    // Nor one that climbs back but stays better than an untrained model (1.0 -> 3.0).
    const partial = [...learned, ...Array.from({ length: 150 }, (_, i) => 1 + (2 * i) / 149 + 0.3 * next())];
    expect(replay(ceSteps(partial))).toBeNull();
  });

  it('turns the relative checks off with enabled: false and tunes them with factor', () => {
    const climb = [3.4, ...Array(30).fill(40)];
    expect(
      replay(ceSteps(climb), new DivergenceDetector(options({ settings: { enabled: false, factor: 8 } }))),
    ).toBeNull();
    expect(
      replay(ceSteps(climb), new DivergenceDetector(options({ settings: { enabled: true, factor: 12 } }))),
    ).toBeNull();
    expect(
      replay(ceSteps(climb), new DivergenceDetector(options({ settings: { enabled: true, factor: 11 } })))?.reason,
    ).toMatch(/is 11\.8x the initial 3\.40 \(limit 11x/);
  });

  it('resumes from its saved state with the same verdicts as an uninterrupted detector', () => {
    const curve = curves.find((c) => c.kind === 'diverged') as Curve;
    const steps = stepsOf(curve);
    const whole = replay(steps);
    const first = new DivergenceDetector(options());
    for (const [i, values] of steps.slice(0, 20).entries()) expect(first.observe(i + 1, values)).toBeNull();
    // Through JSON, as in trainer-state.json.
    const saved = JSON.parse(JSON.stringify(first.state()));
    const resumed = new DivergenceDetector(options(), saved);
    let verdict: { step: number; reason: string } | null = null;
    for (const [i, values] of steps.slice(20).entries()) {
      const reason = resumed.observe(i + 21, values);
      if (reason !== null) {
        verdict = { step: i + 21, reason };
        break;
      }
    }
    expect(verdict).toEqual(whole);
  });
});
