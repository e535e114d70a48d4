// What a task config may hold, as a zod schema: `TaskConfigFileSchema` for a JSON task file (the
// JSON Schema editors check them with is generated from it), `TaskConfigSchema` for configs made
// in code, which may also give functions (`check`, items made by a function). Every problem of a
// config is reported at once, each with its field path.

import { fieldRules } from '@ftlab/config';
import { BENCHMARK_NAMES, type BenchmarkName } from '@ftlab/data';
import { PROMPT_Z_MODES } from '@ftlab/model';
import { z } from 'zod';
import { FILTER_FUNCTIONS, pythonRegex } from './filters.js';
import { metricOutputs, parseMetric } from './metrics.js';
import { TASK_OUTPUTS, type TaskOutput } from './task.js';

const NAME = /^[A-Za-z0-9_.:-]+$/;
const FILTER_NAME = /^[A-Za-z0-9_.-]+$/;

/** A Python regex as lm-eval writes it (filters.ts translates it), refused here when it cannot be. */
const PythonRegex = z.string().superRefine((pattern, ctx) => {
  try {
    pythonRegex(pattern);
  } catch (error) {
    ctx.addIssue((error as Error).message);
  }
});

const RawItem = z.record(z.string(), z.unknown());

const FilterStep = z.discriminatedUnion(
  'function',
  [
    z.strictObject({
      function: z.literal('regex'),
      pattern: PythonRegex,
      groupSelect: z.number().int().optional(),
      fallback: z.string().optional(),
    }),
    z.strictObject({ function: z.literal('take_first') }),
    z.strictObject({ function: z.literal('lowercase') }),
    z.strictObject({ function: z.literal('uppercase') }),
    z.strictObject({ function: z.literal('remove_whitespace') }),
  ],
  { error: `must be one of ${FILTER_FUNCTIONS.join(', ')}` },
);

const FilterPipeline = z.strictObject({
  name: z.string().regex(FILTER_NAME, 'must be letters, digits, _ . or -'),
  steps: z.array(FilterStep).min(1),
});

const Metric = z.string().superRefine((name, ctx) => {
  try {
    parseMetric(name);
  } catch (error) {
    ctx.addIssue((error as Error).message);
  }
});

/** Where the items come from: exactly one of benchmark, path or items. */
function taskData<Items extends z.ZodType>(items: Items) {
  return z
    .strictObject({
      /** Items of one of @ftlab/data's synthetic benchmarks, fixed by `seed` (default 0). */
      benchmark: z.enum(BENCHMARK_NAMES as [BenchmarkName, ...BenchmarkName[]]).optional(),
      count: z.number().int().min(1).optional(),
      seed: z.number().int().optional(),
      /** A JSONL file ({question, choices, answer} or {prompt, reference} per line). */
      path: z.string().min(1).optional(),
      items: items.optional(),
      /** sha256 of the file the items were read from. */
      sha256: z.string().optional(),
    })
    .check(
      fieldRules((d, { problem, issue }) => {
        const sources = (['benchmark', 'path', 'items'] as const).filter((key) => d[key] !== undefined);
        if (sources.length !== 1) problem('give exactly one of "benchmark", "path" (a JSONL file) or "items"');
        if (d.benchmark === undefined) {
          for (const key of ['count', 'seed'] as const) {
            if (d[key] !== undefined) issue(key, "is for a benchmark's items only");
          }
        }
        if (d.sha256 !== undefined && d.items === undefined) issue('sha256', 'is for inline items only');
      }),
    );
}

const taskFields = {
  name: z.string().regex(NAME, 'must be letters, digits, _ . : or -'),
  description: z.string().optional(),
  output: z.enum(TASK_OUTPUTS as [TaskOutput, ...TaskOutput[]]),
  data: taskData(z.array(RawItem)),
  promptTemplate: z.string().optional(),
  targetDelimiter: z.string().optional(),
  numFewshot: z.number().int().nonnegative().optional(),
  fewshotDelimiter: z.string().optional(),
  version: z.number().optional(),
  preamble: z.string().optional(),
  fewshotItems: z.array(RawItem).optional(),
  filters: z.array(FilterPipeline).min(1).optional(),
  exactMatch: z
    .strictObject({
      ignoreCase: z.boolean().optional(),
      ignorePunctuation: z.boolean().optional(),
      regexesToIgnore: z.array(PythonRegex).optional(),
    })
    .optional(),
  metrics: z.array(Metric).min(1),
  generation: z
    .strictObject({
      maxTokens: z.number().int().min(1).optional(),
      stop: z.array(z.string()).optional(),
      samples: z.number().int().min(1).optional(),
      temperature: z.number().min(0).optional(),
      topK: z.number().int().min(0).optional(),
      promptZ: z.enum(PROMPT_Z_MODES).optional(),
    })
    .optional(),
  defaultCount: z.number().int().min(1).optional(),
  stderr: z.enum(['analytic', 'bootstrap']).optional(),
};

/** What the rules read, common to file and code configs. */
interface TaskFields {
  output: TaskOutput;
  data: { benchmark?: BenchmarkName };
  metrics: string[];
  generation?: { samples?: number };
  numFewshot?: number;
  filters?: { name: string }[];
  check?: unknown;
}

/** The metrics that parse (the others are reported by their own check). */
function knownMetrics(metrics: unknown): Array<[number, string, ReturnType<typeof parseMetric>]> {
  if (!Array.isArray(metrics)) return [];
  return metrics.flatMap((metric, i): Array<[number, string, ReturnType<typeof parseMetric>]> => {
    try {
      return [[i, metric, parseMetric(metric)]];
    } catch {
      return [];
    }
  });
}

/**
 * The rules across fields: metrics against the output, pass@k against its generations, filters.
 * Each reads only what passed its own check, so they are reported with the field problems.
 */
const taskRules = fieldRules<TaskFields>((c, { valid, issue }) => {
  let largestK = 0;
  for (const [i, metric, parsed] of knownMetrics(c.metrics)) {
    const outputs = metricOutputs(parsed);
    if (valid('output') && !outputs.includes(c.output)) {
      issue(['metrics', i], `metric ${metric} needs a ${outputs.join(' or ')} task, but output is ${c.output}`);
    }
    if (parsed.base === 'pass') {
      largestK = Math.max(largestK, parsed.k as number);
      if (valid('data') && c.check === undefined && c.data.benchmark === undefined) {
        issue(['metrics', i], `metric ${metric} needs a checker: give check(item, output), or use a benchmark's data`);
      }
    }
  }
  const samples = c.generation?.samples;
  if (valid('generation') && samples !== undefined && samples < largestK) {
    issue(['generation', 'samples'], `${samples} is below pass@${largestK}'s k: pass@k needs at least k generations`);
  }
  if (valid('output', 'numFewshot') && c.output === 'loglikelihood_rolling' && (c.numFewshot ?? 0) > 0) {
    issue('numFewshot', 'must be 0 for a loglikelihood_rolling task (a text is scored whole)');
  }
  if (c.filters !== undefined && valid('output') && c.output !== 'generate_until') {
    issue('filters', 'apply to generate_until tasks only');
  }
  const names = new Set<string>();
  for (const [i, pipeline] of (Array.isArray(c.filters) ? c.filters : []).entries()) {
    const name = (pipeline as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') continue;
    if (names.has(name)) issue(['filters', i, 'name'], `"${name}" is given twice`);
    names.add(name);
  }
});

/** A task config as a JSON task file holds it (no functions). */
export const TaskConfigFileSchema = z.strictObject(taskFields).check(taskRules);

/** A task file: one task config or a list of them. */
export const TaskFileSchema = z.union([TaskConfigFileSchema, z.array(TaskConfigFileSchema).min(1)]);

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'must be a function');

/** A task config made in code: items may come from a function, and `check` scores generations. */
export const TaskConfigSchema = z
  .strictObject({ ...taskFields, data: taskData(z.union([z.array(RawItem), fn])), check: fn.optional() })
  .check(taskRules);
