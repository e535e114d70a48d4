// Does Z control what the toy study measures, in this run? The study's unit is a group: N
// generations sharing one pinned Z, or N with independent Z. Pairs within a group are not
// independent, groups are; so both the statistics (ratios of counts pooled over groups) and the
// test resample or relabel whole groups:
//   - the effect: pooled pinned-Z statistic minus pooled independent-Z statistic, with a
//     percentile bootstrap interval over groups;
//   - the test: one-sided permutation test of the group labels (pinned vs independent). If the
//     model ignores Z, a pinned group is just N independent generations, so the labels are
//     exchangeable and the p-value is calibrated (test/significance.test.ts simulates it).
// A run "shows" the effect when p < VERDICT_ALPHA.
import { analyseToyBody, type ToyTaskConfig } from '@ftlab/data/toy-task';
import type { MetricRecord } from './metric-record.js';
import { bootstrapDifference, type DifferenceInterval, permutationTest, VERDICT_ALPHA } from './significance.js';
import { seedFor } from './stats.js';

export interface ToyGeneration {
  letter: string;
  /** The generated body (what follows "X>"). */
  body: string;
}

/** What one group contributes to the pooled statistics. */
export interface GroupCounts {
  /** Pairs (both well-formed) whose bodies have the same block start. */
  agreeing: number;
  /** Sum over those pairs of the Jaccard index of their '!' positions. */
  jaccardSum: number;
  pairs: number;
  wellFormed: number;
  samples: number;
}

function jaccard(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const inA = new Set(a);
  let both = 0;
  for (const i of b) if (inA.has(i)) both++;
  return both / (a.length + b.length - both);
}

export function groupCounts(group: readonly ToyGeneration[], config: ToyTaskConfig): GroupCounts {
  const analyses = group.map((g) => analyseToyBody(g.letter, g.body, config));
  const counts: GroupCounts = { agreeing: 0, jaccardSum: 0, pairs: 0, wellFormed: 0, samples: group.length };
  analyses.forEach((a, i) => {
    if (!a.valid) return;
    counts.wellFormed++;
    for (let j = i + 1; j < analyses.length; j++) {
      const b = analyses[j];
      if (!b?.valid) continue;
      counts.pairs++;
      if (Math.min(...a.blockStarts) === Math.min(...b.blockStarts)) counts.agreeing++;
      counts.jaccardSum += jaccard(a.noisePositions, b.noisePositions);
    }
  });
  return counts;
}

/** sum numerator / sum denominator over groups (NaN when the denominator sums to 0). */
export function pooled(
  groups: readonly GroupCounts[],
  numerator: (g: GroupCounts) => number,
  denominator: (g: GroupCounts) => number,
): number {
  let top = 0;
  let bottom = 0;
  for (const g of groups) {
    top += numerator(g);
    bottom += denominator(g);
  }
  return bottom === 0 ? Number.NaN : top / bottom;
}

export const blockStartAgreement = (groups: readonly GroupCounts[]) =>
  pooled(
    groups,
    (g) => g.agreeing,
    (g) => g.pairs,
  );
export const noiseOverlap = (groups: readonly GroupCounts[]) =>
  pooled(
    groups,
    (g) => g.jaccardSum,
    (g) => g.pairs,
  );

/** The study's task name in the tracker, and the per-run verdict metrics (1: shown, 0: not). */
export const TOY_STUDY_TASK = 'toy_z_study';
export const Z_CARRIES_BLOCK_POSITION = 'z_carries_block_position';
export const Z_CARRIES_NOISE = 'z_carries_noise';

export interface ToyEffect {
  /** Pinned minus independent, with its bootstrap interval over groups. */
  difference: DifferenceInterval;
  /** One-sided permutation p-value of "pinned > independent". */
  pValue: number;
  permutations: number;
  exact: boolean;
  /** pValue < alpha. */
  shown: boolean;
  alpha: number;
}

export interface ToyEffects {
  blockStart: ToyEffect;
  noiseOverlap: ToyEffect;
}

export interface ToyEffectOptions {
  seed: number;
  /** Relabellings of the permutation test (default 4000; exact when there are fewer). */
  permutations?: number;
  bootstrapResamples?: number;
  level?: number;
}

function effect(
  pinned: readonly GroupCounts[],
  independent: readonly GroupCounts[],
  statistic: (groups: readonly GroupCounts[]) => number,
  name: string,
  options: ToyEffectOptions,
): ToyEffect {
  const test = permutationTest(pinned, independent, statistic, {
    seed: seedFor(options.seed, 'toy-effect', name, 'permutation'),
    ...(options.permutations === undefined ? {} : { resamples: options.permutations }),
  });
  const difference = bootstrapDifference(pinned, independent, statistic, {
    seed: seedFor(options.seed, 'toy-effect', name, 'bootstrap'),
    ...(options.bootstrapResamples === undefined ? {} : { resamples: options.bootstrapResamples }),
    ...(options.level === undefined ? {} : { level: options.level }),
  });
  return {
    difference,
    pValue: test.pValue,
    permutations: test.permutations,
    exact: test.exact,
    shown: test.pValue < VERDICT_ALPHA,
    alpha: VERDICT_ALPHA,
  };
}

/** The per-run tests of the toy study: same-Z groups against independent-Z groups. */
export function testToyEffects(
  pinned: readonly GroupCounts[],
  independent: readonly GroupCounts[],
  options: ToyEffectOptions,
): ToyEffects {
  return {
    blockStart: effect(pinned, independent, blockStartAgreement, 'block-start', options),
    noiseOverlap: effect(pinned, independent, noiseOverlap, 'noise-overlap', options),
  };
}

/**
 * The tests as tracker records: for each statistic the difference (stderr from the bootstrap,
 * n groups per condition), its interval ends, the p-value (n relabellings), and the verdict.
 */
export function toyEffectRecords(effects: ToyEffects, groups: number, task = TOY_STUDY_TASK): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (const [name, verdict, e] of [
    ['block_start_agreement', Z_CARRIES_BLOCK_POSITION, effects.blockStart],
    ['noise_overlap', Z_CARRIES_NOISE, effects.noiseOverlap],
  ] as const) {
    const level = `${Math.round(e.difference.level * 100)}%`;
    out.push(
      {
        task,
        metric: `${name}_difference`,
        value: e.difference.value,
        stderr: e.difference.stderr,
        n: groups,
        note: 'pinned-Z minus independent-Z, pooled over groups; stderr from a bootstrap over groups',
      },
      ...(['low', 'high'] as const).map((end) => ({
        task,
        metric: `${name}_difference_${end}`,
        value: e.difference[end],
        stderr: null,
        n: groups,
        note: `${level} percentile bootstrap interval over groups`,
      })),
      {
        task,
        metric: `${name}_p_value`,
        value: e.pValue,
        stderr: null,
        n: e.permutations,
        note: `one-sided permutation test of the group labels (pinned > independent), ${e.exact ? 'exact' : `${e.permutations} random relabellings`}`,
      },
      {
        task,
        metric: verdict,
        value: e.shown ? 1 : 0,
        stderr: null,
        n: groups,
        note: `1 when the permutation p-value is below ${e.alpha}`,
      },
    );
  }
  return out;
}
