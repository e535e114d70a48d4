// Results that tools written for lm-evaluation-harness can read. lm-eval's results JSON keys each
// number by task and "metric,filter" (`results[task]["acc,none"]`, `"acc_stderr,none"`), with the
// task configs, versions, shots, sample counts, higher-is-better flags and the run's config beside
// them; `--log_samples` writes one JSON line per document. `ftlab eval` puts these keys in its
// results file next to its own, and writes the sample lines when asked.
import { createHash } from 'node:crypto';
import type { EffectiveGeneration, SampleRecord, TaskResult } from './harness/run-task.js';
import { DEFAULT_FEWSHOT_DELIMITER, type TaskConfig } from './harness/task.js';
import type { MetricRecord } from './metric-record.js';

/** The filter name lm-eval writes for unfiltered responses. */
export const LM_EVAL_FILTER = 'none';

/** A task config with lm-eval's key names (what `configs[task]` holds); functions are left out. */
export interface LmEvalTaskConfig {
  task: string;
  output_type: TaskConfig['output'];
  dataset_path: string | null;
  description: string;
  target_delimiter: string;
  fewshot_delimiter: string;
  num_fewshot: number;
  metric_list: Array<{ metric: string; aggregation: string; higher_is_better: boolean }>;
  generation_kwargs?: { until: string[]; max_gen_toks: number; do_sample: boolean; temperature: number };
  metadata: { version: number };
}

export function lmEvalTaskConfig(
  config: TaskConfig,
  nShot: number,
  generation?: EffectiveGeneration,
): LmEvalTaskConfig {
  const data = config.data;
  const described: LmEvalTaskConfig = {
    task: config.name,
    output_type: config.output,
    dataset_path: 'path' in data ? data.path : 'benchmark' in data ? `ftlab:${data.benchmark}` : null,
    description: config.preamble ?? '',
    target_delimiter: config.targetDelimiter ?? '',
    fewshot_delimiter: config.fewshotDelimiter ?? DEFAULT_FEWSHOT_DELIMITER,
    num_fewshot: nShot,
    metric_list: config.metrics.map((metric) => ({
      metric,
      aggregation:
        metric === 'bits_per_byte'
          ? 'bits_per_byte'
          : metric === 'perplexity'
            ? 'perplexity'
            : metric.endsWith('perplexity')
              ? 'weighted_perplexity'
              : 'mean',
      higher_is_better: higherIsBetter(metric),
    })),
    metadata: { version: config.version ?? 0 },
  };
  if (generation) {
    described.generation_kwargs = {
      until: generation.stop,
      max_gen_toks: generation.maxTokens,
      do_sample: generation.temperature > 0,
      temperature: generation.temperature,
    };
  }
  return described;
}

export interface LmEvalModelInfo {
  /** The run evaluated and its step (lm-eval's model_args). */
  run: string | null;
  step: number | null;
  seed: number;
  /** The item limit asked for (null: none). */
  limit: number | null;
}

export interface LmEvalResults {
  results: Record<string, Record<string, string | number>>;
  configs: Record<string, LmEvalTaskConfig>;
  versions: Record<string, number>;
  'n-shot': Record<string, number>;
  'n-samples': Record<string, { original: number; effective: number }>;
  higher_is_better: Record<string, Record<string, boolean>>;
  task_hashes: Record<string, string>;
  config: { model: string; model_args: string; limit: number | null; random_seed: number; bootstrap_iters: number };
}

/**
 * lm-eval needs a direction for every metric. Losses, cross-entropies, bits or nats per token,
 * perplexities, the collapse flag and p-values are lower-is-better; the rest (accuracies, the KL
 * and the toy study's agreements, which are diagnostics more than scores) higher-is-better.
 */
function higherIsBetter(metric: string): boolean {
  return !/(nll|_ce_|ce_|perplexity|bits_per|nats_per|collapsed|p_value)/.test(metric);
}

/**
 * lm-eval's keys for an evaluation: every metric under `results[task]["metric,none"]` with its
 * `"metric_stderr,none"` ("N/A" where there is none), and for each benchmark task its config,
 * version, shots, sample counts and data hash. Likelihood, latent and toy-study records appear
 * as tasks of those names.
 */
export function lmEvalResults(
  metrics: readonly MetricRecord[],
  tasks: ReadonlyArray<{ result: Omit<TaskResult, 'metrics' | 'samples'>; config: TaskConfig }>,
  model: LmEvalModelInfo,
): LmEvalResults {
  const out: LmEvalResults = {
    results: {},
    configs: {},
    versions: {},
    'n-shot': {},
    'n-samples': {},
    higher_is_better: {},
    task_hashes: {},
    config: {
      model: 'ftlab',
      model_args: `run=${model.run ?? ''},step=${model.step ?? ''}`,
      limit: model.limit,
      random_seed: model.seed,
      bootstrap_iters: 0,
    },
  };
  for (const m of metrics) {
    const entry = out.results[m.task] ?? { alias: m.task };
    const filter = m.filter ?? LM_EVAL_FILTER;
    entry[`${m.metric},${filter}`] = m.value;
    entry[`${m.metric}_stderr,${filter}`] = m.stderr ?? 'N/A';
    out.results[m.task] = entry;
    out.higher_is_better[m.task] = { ...out.higher_is_better[m.task], [m.metric]: higherIsBetter(m.metric) };
  }
  for (const { result, config } of tasks) {
    out.configs[result.task] = lmEvalTaskConfig(config, result.nShot, result.generation);
    out.versions[result.task] = result.version;
    out['n-shot'][result.task] = result.nShot;
    // lm-eval's counts: the documents the data holds, and those evaluated after the limit (items
    // skipped as unscorable are counted in the task's own summary and the metric notes).
    out['n-samples'][result.task] = { original: result.available, effective: result.requested };
    out.task_hashes[result.task] = result.dataHash;
  }
  return out;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One line of lm-eval's `--log_samples` file for a scored item (`generation`: the task result's). */
export function lmEvalSample(
  config: TaskConfig,
  sample: SampleRecord,
  generation?: EffectiveGeneration,
): Record<string, unknown> {
  const choices = sample.choices ?? [];
  const delimiter = config.targetDelimiter ?? '';
  const rolling = config.output === 'loglikelihood_rolling';
  const single = config.output === 'loglikelihood';
  const args =
    config.output === 'multiple_choice'
      ? choices.map((choice) => [sample.context, `${delimiter}${choice}`])
      : single
        ? [[sample.context, sample.target ?? '']]
        : rolling
          ? [[sample.target ?? '']]
          : [[sample.context, { until: generation?.stop ?? [], max_gen_toks: generation?.maxTokens ?? null }]];
  const scored = (sample.loglikelihoods ?? []).map((ll, i) => [ll, sample.greedy?.[i] ?? false]);
  const firstFilter = Object.values(sample.filtered ?? {})[0];
  const responses =
    config.output === 'multiple_choice'
      ? scored.map((pair) => [pair])
      : single
        ? [[[sample.continuation?.logLikelihood ?? null, sample.continuation?.isGreedy ?? false]]]
        : rolling
          ? [[sample.rolling?.logLikelihood ?? null]]
          : [sample.generations ?? []];
  const target = sample.target ?? '';
  return {
    doc_id: sample.index,
    doc: sample.doc,
    target,
    arguments: args,
    resps: responses,
    filtered_resps:
      config.output === 'multiple_choice'
        ? scored
        : single || rolling
          ? responses[0]
          : firstFilter !== undefined
            ? [firstFilter]
            : responses[0],
    filter: LM_EVAL_FILTER,
    metrics: Object.keys(sample.scores),
    doc_hash: sha256(JSON.stringify(sample.doc)),
    prompt_hash: sha256(sample.context),
    target_hash: sha256(target),
    ...sample.scores,
  };
}
