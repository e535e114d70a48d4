// What a sweep concludes, per column of the comparison table (one kappa, H, placement...), in
// words and numbers. Each claim is a property of one seed, decided by that seed's own run:
//
//   Z ignored             the KL stays below IGNORED_KL_BITS per token (too little for the block
//                         position: at most 3.3 bits over a 66-token toy sequence, where the
//                         position alone is log2(57) = 5.8 bits) and the run's toy tests find no
//                         effect of Z on its generations (block position, noise);
//   Z carries the block   the run's permutation test (pinned-Z vs independent-Z groups) gives
//   position              p < VERDICT_ALPHA (toy_z_study/z_carries_block_position);
//   the cost shows        prior CE and the ELBO are higher, and fewer samples under prior Z are
//                         well-formed, than for the baseline of the same seed.
//
// Across seeds a claim holds when at least VERDICT_MIN_SEED_FRACTION of the seeds show it and
// the Wilson interval of that fraction excludes what seeds without the property would give
// (VERDICT_ALPHA for the Z test's false positives; one half for the others). Each claim also
// reports the mean over seeds of its differences with t intervals. They describe the size of the
// effect and do not decide it: a t interval assumes roughly normal differences, and the cost's
// vary widely (prior CE rises by +0.8 to +4.4 bits per token across eight seeds at kappa = 4), so
// four seeds that all show the cost can still have a mean interval that includes 0.
// Claims that do not hold are still reported with their numbers.
import { DEFAULT_COLLAPSE_THRESHOLD_BITS } from '@ftlab/contract';
import { type Fraction, VERDICT_ALPHA, wilsonInterval } from './significance.js';
import { type PairedInterval, pairedInterval } from './stats.js';
import { TOY_STUDY_TASK, Z_CARRIES_BLOCK_POSITION, Z_CARRIES_NOISE } from './toy-group-effect.js';

/** A claim about a column must hold in at least this fraction of its seeds. */
export const VERDICT_MIN_SEED_FRACTION = 0.9;

/**
 * KL in bits per token below which Z counts as ignored. Kept apart from the collapse flag
 * (latent/collapsed: KL under DEFAULT_COLLAPSE_THRESHOLD_BITS for the last evaluations) because a small free-bits budget
 * (kappa = 1/64 bit = 0.016) lets the KL sit at kappa for free without carrying anything.
 */
export const IGNORED_KL_BITS = 0.05;

/** The rule every verdict follows, in words (shown under tables and on the sweep page). */
export const VERDICT_RULE =
  `a claim holds when at least ${Math.round(100 * VERDICT_MIN_SEED_FRACTION)}% of the seeds show it, each by its own ` +
  `evaluation (its permutation test over Z groups at p < ${VERDICT_ALPHA}, its KL, its deltas to the baseline of the ` +
  'same seed), and the Wilson interval of that fraction excludes chance; means over seeds come with t intervals, ' +
  'which describe the size of the effect';

/** The evaluation keys ("task/metric") the verdicts read. */
export const VERDICT_KEYS = {
  collapsed: 'latent/collapsed',
  klBits: 'latent/kl_bits_per_token',
  blockPosition: `${TOY_STUDY_TASK}/${Z_CARRIES_BLOCK_POSITION}`,
  noise: `${TOY_STUDY_TASK}/${Z_CARRIES_NOISE}`,
  blockDifference: `${TOY_STUDY_TASK}/block_start_agreement_difference`,
  priorCe: 'likelihood/prior_ce_bits_per_token',
  elbo: 'likelihood/elbo_nll_bits_per_token',
  wellFormedPrior: `${TOY_STUDY_TASK}/well_formed_independent`,
} as const;

export type ClaimName = 'ignored' | 'block-position' | 'cost' | 'false-positives';

export interface Claim {
  name: ClaimName;
  /** Seeds showing the property, with the Wilson interval of the fraction. */
  seeds: Fraction;
  /** The fraction seeds without the property would show (the interval must exclude it). */
  chance: number;
  /** The claim's differences across seeds (t intervals), by name. */
  differences: Record<string, PairedInterval>;
  holds: boolean;
  /** The claim in words with its numbers. */
  text: string;
}

export interface ColumnVerdict {
  column: string;
  label: string;
  isBaseline: boolean;
  /** Seeds with the evaluations the claims need. */
  seeds: number;
  claims: Claim[];
  /** One line: the claims that hold, or what was measured when none does. */
  summary: string;
}

/** One run's evaluated values and, for a latent model, its seed's baseline's. */
export interface VerdictRun {
  values: Record<string, number>;
  baseline: Record<string, number> | null;
}

function percent(value: number): string {
  return `${Math.round(100 * value)}%`;
}

function signed(value: number, digits = 3): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

/** "6/6 seeds (95% CI 61-100%)". */
export function formatFraction(f: Fraction): string {
  return `${f.successes}/${f.n} seeds (${Math.round(f.level * 100)}% CI ${Math.round(100 * f.low)}-${percent(f.high)})`;
}

/** "+0.170 (95% CI +0.120 to +0.220, 6 seeds)"; without an interval when there are fewer than two. */
export function formatInterval(d: PairedInterval, level: number, digits = 3): string {
  if (d.low === null || d.high === null)
    return `${signed(d.mean, digits)} (${d.n} seed${d.n === 1 ? '' : 's'}, no interval)`;
  return `${signed(d.mean, digits)} (${Math.round(level * 100)}% CI ${signed(d.low, digits)} to ${signed(d.high, digits)}, ${d.n} seeds)`;
}

function fractionHolds(seeds: Fraction, chance: number): boolean {
  return seeds.n > 0 && seeds.value >= VERDICT_MIN_SEED_FRACTION && seeds.low > chance;
}

function numbers(runs: readonly VerdictRun[], key: string): number[] {
  return runs.flatMap((r) =>
    typeof r.values[key] === 'number' && Number.isFinite(r.values[key]) ? [r.values[key]] : [],
  );
}

function pairedDifferences(runs: readonly VerdictRun[], key: string): number[] {
  return runs.flatMap((r) => {
    const value = r.values[key];
    const baseline = r.baseline?.[key];
    return typeof value === 'number' && typeof baseline === 'number' && Number.isFinite(value - baseline)
      ? [value - baseline]
      : [];
  });
}

function ignoredClaim(runs: readonly VerdictRun[], level: number): Claim | null {
  const known = runs.filter(
    (r) =>
      typeof r.values[VERDICT_KEYS.klBits] === 'number' && typeof r.values[VERDICT_KEYS.blockPosition] === 'number',
  );
  if (known.length === 0) return null;
  const ignored = known.filter(
    (r) =>
      r.values[VERDICT_KEYS.klBits] < IGNORED_KL_BITS &&
      r.values[VERDICT_KEYS.blockPosition] !== 1 &&
      r.values[VERDICT_KEYS.noise] !== 1,
  ).length;
  const seeds = wilsonInterval(ignored, known.length, level);
  const kl = pairedInterval(numbers(known, VERDICT_KEYS.klBits), level);
  const collapsed = numbers(known, VERDICT_KEYS.collapsed).filter((v) => v === 1).length;
  const holds = fractionHolds(seeds, 0.5);
  const text =
    `Z ignored (KL under ${IGNORED_KL_BITS} bits/token, no effect of Z on the generations) in ${formatFraction(seeds)}; ` +
    `KL ${formatInterval(kl, level)} bits/token; collapsed (KL < ${DEFAULT_COLLAPSE_THRESHOLD_BITS}) in ${collapsed}/${known.length}`;
  return { name: 'ignored', seeds, chance: 0.5, differences: { klBits: kl }, holds, text };
}

function blockPositionClaim(runs: readonly VerdictRun[], level: number, isBaseline: boolean): Claim | null {
  const known = runs.filter((r) => typeof r.values[VERDICT_KEYS.blockPosition] === 'number');
  if (known.length === 0) return null;
  const shown = known.filter((r) => r.values[VERDICT_KEYS.blockPosition] === 1).length;
  const seeds = wilsonInterval(shown, known.length, level);
  const difference = pairedInterval(numbers(known, VERDICT_KEYS.blockDifference), level);
  if (isBaseline) {
    // A model without Z: "pinned" groups are independent draws, so every positive is a false one.
    return {
      name: 'false-positives',
      seeds,
      chance: VERDICT_ALPHA,
      differences: { blockStartAgreement: difference },
      // The control passes while positives are no more frequent than the test's level allows.
      holds: seeds.low <= VERDICT_ALPHA,
      text: `the Z test's false-positive control (no Z): p < ${VERDICT_ALPHA} in ${formatFraction(seeds)}, expected ${percent(VERDICT_ALPHA)} at most`,
    };
  }
  const holds = fractionHolds(seeds, VERDICT_ALPHA);
  const text =
    `Z carries the block position in ${formatFraction(seeds)} ` +
    `(a seed counts when its permutation test over Z groups gives p < ${VERDICT_ALPHA}); ` +
    `pinned-Z block-start agreement minus independent-Z ${formatInterval(difference, level)}`;
  return {
    name: 'block-position',
    seeds,
    chance: VERDICT_ALPHA,
    differences: { blockStartAgreement: difference },
    holds,
    text,
  };
}

function costClaim(runs: readonly VerdictRun[], level: number): Claim | null {
  const paired = runs.filter(
    (r) =>
      r.baseline !== null &&
      [VERDICT_KEYS.priorCe, VERDICT_KEYS.elbo, VERDICT_KEYS.wellFormedPrior].every(
        (key) => typeof r.values[key] === 'number' && typeof r.baseline?.[key] === 'number',
      ),
  );
  if (paired.length === 0) return null;
  const costly = paired.filter((r) => {
    const base = r.baseline as Record<string, number>;
    const v = r.values;
    return (
      v[VERDICT_KEYS.priorCe] > base[VERDICT_KEYS.priorCe] &&
      v[VERDICT_KEYS.elbo] > base[VERDICT_KEYS.elbo] &&
      v[VERDICT_KEYS.wellFormedPrior] < base[VERDICT_KEYS.wellFormedPrior]
    );
  }).length;
  const seeds = wilsonInterval(costly, paired.length, level);
  const priorCe = pairedInterval(pairedDifferences(paired, VERDICT_KEYS.priorCe), level);
  const elbo = pairedInterval(pairedDifferences(paired, VERDICT_KEYS.elbo), level);
  const wellFormed = pairedInterval(pairedDifferences(paired, VERDICT_KEYS.wellFormedPrior), level);
  const holds = fractionHolds(seeds, 0.5);
  const text =
    `the cost shows in ${formatFraction(seeds)} ` +
    '(prior CE and ELBO above, well-formed samples under prior Z below the baseline of the same seed): ' +
    `prior CE ${formatInterval(priorCe, level)} bits/token, ELBO ${formatInterval(elbo, level)} bits/token, ` +
    `well-formed ${formatInterval(wellFormed, level)}`;
  return { name: 'cost', seeds, chance: 0.5, differences: { priorCe, elbo, wellFormed }, holds, text };
}

/** The claims of one column from its runs (each with its seed's baseline values, when paired). */
export function columnVerdict(
  column: { key: string; label: string; isBaseline: boolean },
  runs: readonly VerdictRun[],
  level = 0.95,
): ColumnVerdict {
  const claims = column.isBaseline
    ? [blockPositionClaim(runs, level, true)]
    : [ignoredClaim(runs, level), blockPositionClaim(runs, level, false), costClaim(runs, level)];
  const present = claims.filter((c): c is Claim => c !== null);
  const holding = present.filter((c) => c.holds);
  const seeds = runs.filter((r) => Object.keys(r.values).length > 0).length;
  // Undecided: the claims some seeds show (all of them when no seed shows any), so the reader
  // sees how far each is from holding.
  const partial = present.filter((c) => c.seeds.successes > 0);
  const undecided = (partial.length > 0 ? partial : present).map((c) => c.text);
  const summary = column.isBaseline
    ? `${column.label}: ${present[0]?.text ?? 'no toy Z study evaluated'}.`
    : holding.length > 0
      ? `${column.label}: ${holding.map((c) => c.text).join('; ')}.`
      : `${column.label}: no verdict (no claim holds in ${Math.round(100 * VERDICT_MIN_SEED_FRACTION)}% of the seeds with a Wilson interval above chance): ${undecided.join('; ') || 'no evaluations to decide on'}.`;
  return { column: column.key, label: column.label, isBaseline: column.isBaseline, seeds, claims: present, summary };
}
