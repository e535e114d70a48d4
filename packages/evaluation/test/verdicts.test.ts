// The sweep's verdicts: which claims hold per kappa, from each seed's own test, in words and numbers.
import type { JsonObject } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import { buildComparison, type RunEvaluations } from '../src/compare.js';
import { pairedInterval, verdictLines } from '../src/index.js';
import { wilsonInterval } from '../src/significance.js';
import { comparisonToMarkdown } from '../src/table-export.js';
import { columnVerdict, formatFraction, formatInterval, VERDICT_KEYS as K } from '../src/verdicts.js';

const SEEDS = [1, 2, 3, 4, 5, 6];

function config(variant: string, kappaBits: number, seed: number): JsonObject {
  return {
    name: 'demo',
    seed,
    data: { kind: 'toy', evaluationSeed: 0 },
    model: { variant, kappaNats: kappaBits * Math.LN2, latentBits: 8, width: 64, layers: 4 },
    training: { steps: 600 },
  };
}

/** Baseline values of a seed: prior CE = ELBO = CE, all samples well-formed. */
function baselineValues(seed: number): Record<string, number> {
  return {
    [K.priorCe]: 0.4 + 0.002 * seed,
    [K.elbo]: 0.4 + 0.002 * seed,
    [K.wellFormedPrior]: 0.95,
    [K.blockPosition]: 0,
    [K.noise]: 0,
    [K.blockDifference]: 0.003 * (seed - 3.5),
  };
}

type Regime = 'ignored' | 'position' | 'cost' | 'mixed';

function latentValues(regime: Regime, seed: number): Record<string, number> {
  const base = baselineValues(seed);
  const jitter = 0.002 * ((seed * 7) % 5);
  switch (regime) {
    case 'ignored':
      return { ...base, [K.collapsed]: 1, [K.klBits]: 0.004 + 0.001 * seed, [K.blockDifference]: 0.004 * (seed - 3.5) };
    case 'position':
      return {
        ...base,
        [K.collapsed]: 0,
        [K.klBits]: 0.45,
        [K.blockPosition]: 1,
        [K.blockDifference]: 0.15 + jitter,
        [K.priorCe]: base[K.priorCe] + 0.001 * (seed - 3.5),
      };
    case 'cost':
      return {
        ...base,
        [K.collapsed]: 0,
        [K.klBits]: 1.8,
        [K.blockPosition]: 1,
        [K.noise]: 1,
        [K.blockDifference]: 0.3 + jitter,
        [K.priorCe]: base[K.priorCe] + 0.1 + jitter,
        [K.elbo]: base[K.elbo] + 0.2 + jitter,
        [K.wellFormedPrior]: 0.7 - jitter,
      };
    case 'mixed':
      // Half the seeds put the position into Z: not a verdict either way.
      return {
        ...base,
        [K.collapsed]: 0,
        [K.klBits]: 0.8,
        [K.blockPosition]: seed % 2,
        [K.blockDifference]: seed % 2 ? 0.2 : 0.001,
      };
  }
}

function runs(regimes: Record<number, Regime>): RunEvaluations[] {
  const out: RunEvaluations[] = SEEDS.map((seed) => ({
    runId: `base-${seed}`,
    name: 'demo',
    seed,
    config: config('baseline', 0, seed),
    values: baselineValues(seed),
  }));
  for (const [kappa, regime] of Object.entries(regimes)) {
    for (const seed of SEEDS) {
      out.push({
        runId: `k${kappa}-${seed}`,
        name: 'demo',
        seed,
        config: config('free-transformer', Number(kappa), seed),
        values: latentValues(regime, seed),
      });
    }
  }
  return out;
}

describe('sweep verdicts', () => {
  const table = buildComparison(runs({ 0.015625: 'ignored', 0.5: 'position', 2: 'cost', 1: 'mixed' }));
  const byLabel = new Map(table.verdicts.map((v) => [v.label, v]));

  it('decides the paper regimes per kappa, each from the seeds own tests', () => {
    expect([...byLabel.keys()]).toEqual([
      'baseline',
      'kappa=0.0156 bit',
      'kappa=0.5 bit',
      'kappa=1 bit',
      'kappa=2 bit',
    ]);
    const holding = (label: string) =>
      byLabel
        .get(label)
        ?.claims.filter((c) => c.holds)
        .map((c) => c.name);
    expect(holding('kappa=0.0156 bit')).toEqual(['ignored']);
    expect(holding('kappa=0.5 bit')).toEqual(['block-position']);
    expect(holding('kappa=2 bit')).toEqual(['block-position', 'cost']);
    expect(holding('kappa=1 bit')).toEqual([]);
    expect(byLabel.get('baseline')?.claims.map((c) => c.name)).toEqual(['false-positives']);
  });

  it('says each verdict in words with the fraction of seeds, its interval and the mean difference', () => {
    const position = byLabel.get('kappa=0.5 bit');
    const claim = position?.claims.find((c) => c.name === 'block-position');
    expect(claim?.seeds).toMatchObject({ successes: 6, n: 6 });
    expect(claim?.seeds.low).toBeCloseTo(0.6097, 4);
    expect(position?.summary).toBe(
      `kappa=0.5 bit: Z carries the block position in 6/6 seeds (95% CI 61-100%) (a seed counts when its permutation test over Z groups gives p < 0.05); pinned-Z block-start agreement minus independent-Z ${formatInterval(claim?.differences.blockStartAgreement as never, 0.95)}.`,
    );
    expect(byLabel.get('kappa=0.0156 bit')?.summary).toMatch(
      /^kappa=0\.0156 bit: Z ignored \(KL under 0\.05 bits\/token, no effect of Z on the generations\) in 6\/6 seeds \(95% CI 61-100%\); KL \+0\.008 \(95% CI \+0\.006 to \+0\.009, 6 seeds\) bits\/token; collapsed \(KL < 0\.01\) in 6\/6\.$/,
    );
    expect(byLabel.get('kappa=2 bit')?.summary).toMatch(/the cost shows in 6\/6 seeds .*prior CE \+0\.10\d \(95% CI/);
    // Undecided columns say so and still give their numbers.
    expect(byLabel.get('kappa=1 bit')?.summary).toMatch(
      /^kappa=1 bit: no verdict \(no claim holds in 90% of the seeds with a Wilson interval above chance\): Z carries the block position in 3\/6 seeds \(95% CI 19-81%\)/,
    );
    expect(byLabel.get('baseline')?.summary).toBe(
      "baseline: the Z test's false-positive control (no Z): p < 0.05 in 0/6 seeds (95% CI 0-39%), expected 5% at most.",
    );
  });

  it('puts the verdicts under the Markdown table', () => {
    const markdown = comparisonToMarkdown(table);
    expect(markdown).toContain('**Verdicts across seeds**');
    for (const line of verdictLines(table)) expect(markdown).toContain(`- ${line}`);
  });

  it('refuses to claim from too few seeds or from a fraction below 90%', () => {
    // 2 of 2 seeds: 100%, but the Wilson interval (34-100%) does not exclude one half.
    const two = columnVerdict(
      { key: 'k', label: 'k', isBaseline: false },
      [1, 2].map((seed) => ({ values: latentValues('ignored', seed), baseline: baselineValues(seed) })),
    );
    expect(two.claims.find((c) => c.name === 'ignored')?.holds).toBe(false);
    // 9 of 10 seeds with the position: a claim (90%, interval 60-98%); 8 of 10 is not.
    const ten = (positives: number) =>
      columnVerdict(
        { key: 'k', label: 'k', isBaseline: false },
        Array.from({ length: 10 }, (_, i) => ({
          values: { ...latentValues('position', i + 1), [K.blockPosition]: i < positives ? 1 : 0 },
          baseline: baselineValues(i + 1),
        })),
      ).claims.find((c) => c.name === 'block-position')?.holds;
    expect(ten(9)).toBe(true);
    expect(ten(8)).toBe(false);
  });

  it('decides on the seeds, not on a mean interval that widely varying differences widen', () => {
    // Four seeds that all pay the cost, by very different amounts (measured at kappa = 4 bits):
    // the t interval of the mean prior CE difference includes 0, the claim holds (4/4).
    const rises = [0.83, 4.23, 1.12, 3.7];
    const verdict = columnVerdict(
      { key: 'k', label: 'k', isBaseline: false },
      rises.map((rise, i) => {
        const values = latentValues('cost', i + 1);
        return {
          values: { ...values, [K.priorCe]: baselineValues(i + 1)[K.priorCe] + rise },
          baseline: baselineValues(i + 1),
        };
      }),
    );
    const cost = verdict.claims.find((c) => c.name === 'cost');
    expect(cost?.differences.priorCe?.low).toBeLessThan(0);
    expect(cost?.seeds).toMatchObject({ successes: 4, n: 4 });
    expect(cost?.holds).toBe(true);
  });

  it('formats fractions and intervals for people', () => {
    expect(formatFraction(wilsonInterval(5, 6))).toBe('5/6 seeds (95% CI 44-97%)');
    expect(formatInterval(pairedInterval([0.1]), 0.95)).toBe('+0.100 (1 seed, no interval)');
  });

  it('has no claims for runs without the evaluations they need', () => {
    const verdict = columnVerdict({ key: 'k', label: 'k', isBaseline: false }, [{ values: {}, baseline: null }]);
    expect(verdict.claims).toEqual([]);
    expect(verdict.summary).toBe(
      'k: no verdict (no claim holds in 90% of the seeds with a Wilson interval above chance): no evaluations to decide on.',
    );
  });
});
