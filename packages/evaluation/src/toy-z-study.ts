// The paper's toy study (spec section 3): what does Z control? G groups of generations from the
// prompt "X>" where every generation of a group shares one Z sequence drawn from the prior (a
// code for every position, pinned), next to G groups of the same size whose generations each
// draw their own Z from the prior. If Z encodes the block position, generations sharing Z put
// the block at the same place; if it also encodes the noise, they share their '!' positions.
//
// Per condition (pinned, independent):
//   block-start agreement  fraction of pairs within a group (both well-formed) whose bodies have
//                          the same block start (the smallest start analyseToyBody finds);
//   noise overlap          mean Jaccard index of the '!' positions over the same pairs (two
//                          bodies without any '!' count as identical patterns: 1);
//   well-formed            fraction of bodies the task could have produced after their letter.
// Pairs within a group are not independent, so ratios are pooled over all pairs and their
// standard errors come from a bootstrap over groups (seeded). Whether Z controls the block start
// and the noise in this run is a test over groups: toy-group-effect.ts.

import { Rng } from '@ftlab/contract';
import { resolveToyTaskConfig, type ToyTaskConfig, toyTokenizer } from '@ftlab/data';
import { hasLatent, type Model } from '@ftlab/model';
import type { MetricRecord } from './metric-record.js';
import { formatPValue } from './significance.js';
import { bootstrapStderr, type Estimate, seedFor } from './stats.js';
import {
  type GroupCounts,
  groupCounts,
  pooled,
  TOY_STUDY_TASK,
  type ToyEffect,
  type ToyEffects,
  type ToyGeneration,
  testToyEffects,
  toyEffectRecords,
} from './toy-group-effect.js';

export type { ToyGeneration };

export interface ToyConditionStats {
  blockStartAgreement: Estimate;
  noiseOverlap: Estimate;
  wellFormed: Estimate;
  /** Pairs (both well-formed) the first two are computed over. */
  pairs: number;
  groups: number;
  samples: number;
  /** What each group contributes: the independent units the tests resample. */
  groupCounts: GroupCounts[];
}

export interface ToyChanceLevels {
  /** P(smallest consistent block start = s) for a true sample, s = 0 .. bodyLength - blockLength. */
  blockStartDistribution: number[];
  blockStartAgreement: number;
  noiseOverlap: number;
  wellFormed: number;
  /** How each was computed. */
  notes: { blockStartAgreement: string; noiseOverlap: string; wellFormed: string };
}

/** The three statistics of one condition; `groups` are the generations, one array per group. */
export function analyseToyGroups(
  groups: ReadonlyArray<ReadonlyArray<ToyGeneration>>,
  options: { toy?: Partial<ToyTaskConfig>; seed: number; bootstrapResamples?: number },
): ToyConditionStats {
  const config = resolveToyTaskConfig(options.toy);
  const counts = groups.map((g) => groupCounts(g, config));
  const pairs = counts.reduce((n, g) => n + g.pairs, 0);
  const samples = counts.reduce((n, g) => n + g.samples, 0);
  const estimate = (
    name: string,
    numerator: (g: GroupCounts) => number,
    denominator: (g: GroupCounts) => number,
    n: number,
  ): Estimate => ({
    value: pooled(counts, numerator, denominator),
    stderr: bootstrapStderr(counts, (sample) => pooled(sample, numerator, denominator), {
      seed: seedFor(options.seed, 'toy-bootstrap', name),
      resamples: options.bootstrapResamples ?? 500,
    }),
    n,
  });
  return {
    blockStartAgreement: estimate(
      'agreement',
      (g) => g.agreeing,
      (g) => g.pairs,
      pairs,
    ),
    noiseOverlap: estimate(
      'overlap',
      (g) => g.jaccardSum,
      (g) => g.pairs,
      pairs,
    ),
    wellFormed: estimate(
      'well-formed',
      (g) => g.wellFormed,
      (g) => g.samples,
      samples,
    ),
    pairs,
    groups: groups.length,
    samples,
    groupCounts: counts,
  };
}

/**
 * What the statistics are for two independent samples of the true data distribution.
 * Block start: the smallest consistent start is the true start s moved left by J positions,
 * where J >= j needs the j body positions before the block and the last j of the block to be
 * noise (probability r^(2j), j <= min(s, blockLength)); chance = sum_m P(m)^2 (1/57 + O(r^2)
 * with the defaults). Exact up to terms of order r^(2 blockLength) (a body whose whole block
 * is noise), below 1e-19 with the defaults. Noise overlap: the exact expectation of the Jaccard
 * index of two independent Bernoulli(r) masks of the body's length, over the multinomial counts
 * of positions in both / in one mask (empty union counts 1).
 */
export function toyChanceLevels(toy: Partial<ToyTaskConfig> = {}): ToyChanceLevels {
  const { bodyLength, blockLength, noiseRate: r } = resolveToyTaskConfig(toy);
  const starts = bodyLength - blockLength + 1;
  const minStart = new Array<number>(starts).fill(0);
  for (let s = 0; s < starts; s++) {
    const maxShift = Math.min(s, blockLength);
    for (let j = 0; j <= maxShift; j++) {
      const atLeast = r ** (2 * j);
      const probability = j === maxShift ? atLeast : atLeast * (1 - r * r);
      minStart[s - j] = minStart[s - j] + probability / starts;
    }
  }
  const blockStartAgreement = minStart.reduce((sum, p) => sum + p * p, 0);

  // Counts (both, one) of positions in both masks / in exactly one: multinomial(n; r^2, 2r(1-r), (1-r)^2).
  const pBoth = r * r;
  const pOne = 2 * r * (1 - r);
  const pNone = (1 - r) * (1 - r);
  const logFactorial = [0];
  for (let i = 1; i <= bodyLength; i++) logFactorial.push(logFactorial[i - 1] + Math.log(i));
  const logP = (k: number, p: number) => (k === 0 ? 0 : p === 0 ? Number.NEGATIVE_INFINITY : k * Math.log(p));
  let noiseOverlap = 0;
  for (let both = 0; both <= bodyLength; both++) {
    for (let one = 0; both + one <= bodyLength; one++) {
      const none = bodyLength - both - one;
      const log =
        logFactorial[bodyLength] -
        logFactorial[both] -
        logFactorial[one] -
        logFactorial[none] +
        logP(both, pBoth) +
        logP(one, pOne) +
        logP(none, pNone);
      noiseOverlap += Math.exp(log) * (both + one === 0 ? 1 : both / (both + one));
    }
  }
  return {
    blockStartDistribution: minStart,
    blockStartAgreement,
    noiseOverlap,
    wellFormed: 1,
    notes: {
      blockStartAgreement: `sum over starts of P(start)^2 for the smallest consistent start of a true sample (uniform over ${starts} starts, shifted by noise at the block's ends)`,
      noiseOverlap: `expected Jaccard index of two independent noise masks (rate ${r}, ${bodyLength} positions), computed exactly`,
      wellFormed: 'every sample of the true data distribution is well-formed',
    },
  };
}

// --- running the study on a model ------------------------------------------------------------

export interface ToyZStudyOptions {
  /** G: groups per condition. */
  groups: number;
  /** N: generations per group. */
  groupSize: number;
  seed: number;
  /** The toy task options the model was trained on (default: the paper's). */
  toy?: Partial<ToyTaskConfig>;
  /** Use this letter in every prompt; default: one letter per group, drawn from the seed. */
  letter?: string;
  temperature?: number;
  topK?: number;
  bootstrapResamples?: number;
}

export interface ToyGroup {
  letter: string;
  /** The pinned Z sequence shared by the group (null for independent groups). */
  codes: number[] | null;
  generations: ToyGeneration[];
}

export interface ToyZStudy {
  toy: ToyTaskConfig;
  /** False for a model without a latent: "pinned" Z then changes nothing. */
  hasLatent: boolean;
  pinned: ToyConditionStats;
  independent: ToyConditionStats;
  /** Pinned against independent, per statistic: difference, interval, permutation p-value. */
  effects: ToyEffects;
  chance: ToyChanceLevels;
  pinnedGroups: ToyGroup[];
  independentGroups: ToyGroup[];
}

function checkStudyOptions(o: ToyZStudyOptions, config: ToyTaskConfig): void {
  const problems: string[] = [];
  if (!Number.isInteger(o.groups) || o.groups < 1) problems.push(`groups must be an integer >= 1, got ${o.groups}`);
  if (!Number.isInteger(o.groupSize) || o.groupSize < 2) {
    problems.push(`groupSize must be an integer >= 2 (agreement compares pairs), got ${o.groupSize}`);
  }
  if (!Number.isInteger(o.seed)) problems.push(`seed must be an integer, got ${o.seed}`);
  if (o.letter !== undefined && ![...config.alphabet].includes(o.letter)) {
    problems.push(`letter ${JSON.stringify(o.letter)} is not in the task's alphabet "${config.alphabet}"`);
  }
  if (problems.length > 0) throw new Error(`runToyZStudy: ${problems.join('; ')}`);
}

/** Generates both conditions with `model` and analyses them. */
export function runToyZStudy(model: Model, options: ToyZStudyOptions): ToyZStudy {
  const toy = resolveToyTaskConfig(options.toy);
  checkStudyOptions(options, toy);
  const tokenizer = toyTokenizer(toy);
  if (model.config.vocabSize !== tokenizer.vocabSize) {
    throw new Error(
      `runToyZStudy: the model's vocabulary has ${model.config.vocabSize} tokens but the toy task has ` +
        `${tokenizer.vocabSize} symbols; evaluate a model trained on the toy task (with the same toy options)`,
    );
  }
  const latent = hasLatent(model.config);
  const codeCount = 2 ** model.config.latentBits;
  const length = 2 + toy.bodyLength;
  const letters = [...toy.alphabet];
  const letterRng = Rng.derive(options.seed, 'toy-z-study', 'letters');
  const groupLetters = Array.from({ length: options.groups }, () => options.letter ?? letterRng.pick(letters));
  const codeRng = Rng.derive(options.seed, 'toy-z-study', 'pinned-z');
  const groupCodes = groupLetters.map(() => Array.from({ length }, () => codeRng.int(codeCount)));
  const prompts = groupLetters.flatMap((letter) =>
    Array.from({ length: options.groupSize }, () => Int32Array.from(tokenizer.encode(`${letter}>`))),
  );
  const common = {
    maxNewTokens: toy.bodyLength,
    temperature: options.temperature ?? 1,
    topK: options.topK ?? 0,
  };
  const pinnedRows = groupCodes.flatMap((codes) =>
    Array.from({ length: options.groupSize }, () => Int32Array.from(codes)),
  );
  const pinnedOut = model.generate(prompts, {
    ...common,
    seed: seedFor(options.seed, 'toy-z-study', 'pinned-generation'),
    z: { pinned: pinnedRows },
  });
  const independentOut = model.generate(prompts, {
    ...common,
    seed: seedFor(options.seed, 'toy-z-study', 'independent-generation'),
    z: 'prior',
    promptZ: 'prior',
  });
  const toGroups = (tokens: Int32Array[], pinned: boolean): ToyGroup[] =>
    groupLetters.map((letter, g) => ({
      letter,
      codes: pinned && latent ? (groupCodes[g] as number[]) : null,
      generations: tokens
        .slice(g * options.groupSize, (g + 1) * options.groupSize)
        .map((row) => ({ letter, body: tokenizer.decode(row.subarray(2)) })),
    }));
  const pinnedGroups = toGroups(pinnedOut.tokens, true);
  const independentGroups = toGroups(independentOut.tokens, false);
  const analysis = (groups: ToyGroup[], name: string) =>
    analyseToyGroups(
      groups.map((g) => g.generations),
      { toy, seed: seedFor(options.seed, name), bootstrapResamples: options.bootstrapResamples },
    );
  const pinned = analysis(pinnedGroups, 'pinned');
  const independent = analysis(independentGroups, 'independent');
  return {
    toy,
    hasLatent: latent,
    pinned,
    independent,
    effects: testToyEffects(pinned.groupCounts, independent.groupCounts, { seed: seedFor(options.seed, 'effects') }),
    chance: toyChanceLevels(toy),
    pinnedGroups,
    independentGroups,
  };
}

export function toyStudyRecords(
  study: Pick<ToyZStudy, 'pinned' | 'independent' | 'effects' | 'chance'>,
  task = TOY_STUDY_TASK,
): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (const [name, stat] of [
    ['block_start_agreement', 'blockStartAgreement'],
    ['noise_overlap', 'noiseOverlap'],
    ['well_formed', 'wellFormed'],
  ] as const) {
    for (const condition of ['pinned', 'independent'] as const) {
      const e = study[condition][stat];
      out.push({ task, metric: `${name}_${condition}`, value: e.value, stderr: e.stderr, n: e.n });
    }
    out.push({
      task,
      metric: `${name}_chance`,
      value: study.chance[stat],
      stderr: null,
      n: 0,
      note: study.chance.notes[stat],
    });
  }
  out.push(...toyEffectRecords(study.effects, study.pinned.groups, task));
  return out;
}

function signedPct(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${(100 * value).toFixed(1)}%` : 'n/a';
}

/**
 * The study as a text sheet like the paper's figure: each group's generations one per line,
 * groups separated by a blank line, the pinned-Z groups first and the independent ones last.
 */
export function formatToySheet(study: ToyZStudy): string {
  const lines: string[] = [];
  const section = (title: string, groups: ToyGroup[]) => {
    lines.push(title);
    groups.forEach((group, g) => {
      lines.push('');
      lines.push(`# group ${g + 1}${group.codes ? ` (Z pinned: ${group.codes.slice(0, 8).join(' ')} ...)` : ''}`);
      for (const generation of group.generations) lines.push(`${generation.letter}>${generation.body}`);
    });
    lines.push('');
  };
  const pct = (e: Estimate) => (Number.isFinite(e.value) ? `${(100 * e.value).toFixed(1)}%` : 'n/a');
  const summary = (name: string, s: ToyConditionStats) =>
    `${name}: block-start agreement ${pct(s.blockStartAgreement)}, noise overlap ${pct(s.noiseOverlap)}, well-formed ${pct(s.wellFormed)}`;
  section(
    study.hasLatent
      ? '=== Z pinned within each group (one prior draw per group) ==='
      : '=== "pinned" groups (this model has no latent: Z changes nothing) ===',
    study.pinnedGroups,
  );
  section('=== independent Z (a fresh prior draw per generation) ===', study.independentGroups);
  lines.push(summary('pinned     ', study.pinned));
  lines.push(summary('independent', study.independent));
  lines.push(
    `chance     : block-start agreement ${(100 * study.chance.blockStartAgreement).toFixed(1)}%, noise overlap ${(100 * study.chance.noiseOverlap).toFixed(1)}%, well-formed 100% (true data)`,
  );
  const test = (name: string, e: ToyEffect) =>
    `${name}: pinned - independent ${signedPct(e.difference.value)} (${Math.round(100 * e.difference.level)}% CI ${signedPct(e.difference.low)} to ${signedPct(e.difference.high)}), permutation p = ${formatPValue(e.pValue)}: ${e.shown ? 'Z controls it' : 'no evidence that Z controls it'}`;
  lines.push(test('block start', study.effects.blockStart));
  lines.push(test('noise      ', study.effects.noiseOverlap));
  return `${lines.join('\n')}\n`;
}
