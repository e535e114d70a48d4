// Per-item scores and their aggregation. Every metric but the perplexities is the mean of a
// per-item score, so its standard error is s / sqrt(n) over items (lm-evaluation-harness's
// mean_stderr), or a seeded bootstrap over items where the task asks for one; the perplexities are
// corpus-level (corpusPerplexity), without a standard error, as lm-eval reports them.
//   acc          1 when the choice of highest log-likelihood is the answer (ties: the first)
//   acc_norm     the same with log-likelihood / characters of the choice, delimiter excluded
//                (lm-evaluation-harness's length normalisation)
//   exact_match  1 when the first generation equals the reference (run-task applies the task's
//                filters and exact_match options first: filters.ts)
//   pass@k       1 - C(n - c, k) / C(n, k) with n generations, c of them correct by the checker
//                (Chen et al. 2021's unbiased estimator)
import { NATS_PER_BIT } from '@ftlab/contract';
import { bootstrapStderr, type Estimate, mean, meanEstimate } from '../stats.js';
import type { MetricName, TaskOutput } from './task.js';

export interface ParsedMetric {
  base:
    | 'acc'
    | 'acc_norm'
    | 'exact_match'
    | 'pass'
    | 'perplexity'
    | 'word_perplexity'
    | 'byte_perplexity'
    | 'bits_per_byte';
  k?: number;
}

/** Corpus-level metrics of a loglikelihood_rolling task (lm-eval's weighted perplexities). */
export const PERPLEXITY_METRICS = ['word_perplexity', 'byte_perplexity', 'bits_per_byte'] as const;

/** Which model call a metric needs, and what the task must provide for it. */
export function parseMetric(name: string): ParsedMetric {
  if (name === 'acc' || name === 'acc_norm' || name === 'exact_match') return { base: name };
  if ((PERPLEXITY_METRICS as readonly string[]).includes(name) || name === 'perplexity') {
    return { base: name as ParsedMetric['base'] };
  }
  const match = /^pass@([1-9][0-9]*)$/.exec(name);
  if (match) return { base: 'pass', k: Number(match[1]) };
  throw new Error(
    `unknown metric "${name}": use acc, acc_norm, exact_match, pass@k (k >= 1), perplexity, word_perplexity, byte_perplexity or bits_per_byte`,
  );
}

/** The task outputs a metric can score. */
export function metricOutputs(metric: ParsedMetric): TaskOutput[] {
  if (metric.base === 'acc') return ['multiple_choice', 'loglikelihood'];
  if (metric.base === 'acc_norm') return ['multiple_choice'];
  if (metric.base === 'perplexity') return ['loglikelihood'];
  if ((PERPLEXITY_METRICS as readonly string[]).includes(metric.base)) return ['loglikelihood_rolling'];
  return ['generate_until'];
}

/** A loglikelihood_rolling item's log-likelihood and its size in words and UTF-8 bytes. */
export interface RollingOutcome {
  logLikelihood: number;
  words: number;
  bytes: number;
}

/**
 * The corpus-level value of a perplexity metric (lm-eval's weighted_perplexity and bits_per_byte:
 * the log-likelihoods summed over items, divided by the words or bytes summed).
 */
export function corpusPerplexity(
  metric: (typeof PERPLEXITY_METRICS)[number],
  outcomes: readonly RollingOutcome[],
): number {
  const ll = outcomes.reduce((sum, o) => sum + o.logLikelihood, 0);
  const words = outcomes.reduce((sum, o) => sum + o.words, 0);
  const bytes = outcomes.reduce((sum, o) => sum + o.bytes, 0);
  if (metric === 'word_perplexity') return Math.exp(-ll / words);
  if (metric === 'byte_perplexity') return Math.exp(-ll / bytes);
  return -ll / bytes / NATS_PER_BIT;
}

/** Words as lm-eval counts them (split on runs of whitespace) and UTF-8 bytes. */
export function textSize(text: string): { words: number; bytes: number } {
  return { words: text.split(/\s+/).length, bytes: Buffer.byteLength(text, 'utf8') };
}

/** The unbiased pass@k for n samples of which c are correct; needs n >= k. */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || k < 1 || c < 0 || c > n) {
    throw new Error(`passAtK: need integers 0 <= c <= n and k >= 1, got n=${n}, c=${c}, k=${k}`);
  }
  if (n < k) throw new Error(`passAtK: k=${k} needs at least k samples per item, got n=${n}`);
  if (n - c < k) return 1;
  // 1 - prod_{i = n-c+1}^{n} (1 - k / i): the ratio of binomials without overflow.
  let failAll = 1;
  for (let i = n - c + 1; i <= n; i++) failAll *= 1 - k / i;
  return 1 - failAll;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** What the model calls produced for one item. */
export interface ItemOutcome {
  /** Multiple choice: log-likelihood of each choice (as a continuation of the context). */
  loglikelihoods?: number[];
  /** Multiple choice: would greedy decoding have produced each choice (lm-eval's is_greedy)? */
  greedy?: boolean[];
  /** The choices as written, without the target delimiter (acc_norm divides by their length). */
  choices?: string[];
  answer?: number;
  /** Generative: the generations, each cut at its stop string. */
  generations?: string[];
  reference?: string;
  /** Generative with a checker: is each generation correct? */
  correct?: boolean[];
  /** loglikelihood_rolling: the text's log-likelihood and size. */
  rolling?: RollingOutcome;
  /** loglikelihood: the continuation's log-likelihood, and whether greedy decoding gives it. */
  continuation?: { logLikelihood: number; isGreedy: boolean };
}

/** The score of one item for one metric. */
export function itemScore(metric: ParsedMetric, outcome: ItemOutcome): number {
  switch (metric.base) {
    case 'acc':
    case 'acc_norm': {
      // A loglikelihood task's accuracy: greedy decoding gives the continuation (lm-eval's is_greedy).
      if (metric.base === 'acc' && outcome.continuation) return outcome.continuation.isGreedy ? 1 : 0;
      const ll = outcome.loglikelihoods;
      if (!ll || outcome.answer === undefined)
        throw new Error(`${metric.base} needs choice log-likelihoods and an answer`);
      const scores =
        metric.base === 'acc' ? ll : ll.map((v, i) => v / Math.max(1, [...((outcome.choices ?? [])[i] ?? '')].length));
      return argmax(scores) === outcome.answer ? 1 : 0;
    }
    case 'exact_match': {
      if (outcome.reference === undefined) throw new Error('exact_match needs a reference');
      return outcome.generations?.[0] === outcome.reference ? 1 : 0;
    }
    case 'perplexity':
    case 'word_perplexity':
    case 'byte_perplexity':
    case 'bits_per_byte':
      throw new Error(`${metric.base} is a corpus-level metric (corpusPerplexity), not a per-item score`);
    case 'pass': {
      const correct = outcome.correct;
      if (!correct) throw new Error('pass@k needs a checker');
      return passAtK(correct.length, correct.filter(Boolean).length, metric.k as number);
    }
  }
}

/** The mean over items with its standard error. */
export function aggregateScores(scores: readonly number[], stderr: 'analytic' | 'bootstrap', seed: number): Estimate {
  if (stderr === 'analytic') return meanEstimate(scores);
  return {
    value: mean(scores),
    stderr: bootstrapStderr(scores, (sample) => mean(sample), { seed }),
    n: scores.length,
  };
}

export function isMetricName(name: string): name is MetricName {
  try {
    parseMetric(name);
    return true;
  } catch {
    return false;
  }
}
