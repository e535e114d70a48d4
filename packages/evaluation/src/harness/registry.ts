// Tasks found by name. Registering validates the whole config (and reads a JSONL file at once),
// and is all-or-nothing: when any config or file of a call is wrong, nothing of that call is
// registered and the error lists every problem.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BENCHMARK_NAMES } from '@ftlab/data';
import { PROMPT_Z_MODES } from '@ftlab/model';
import { builtinTasks } from './builtin-tasks.js';
import { FILTER_FUNCTIONS, pythonRegex } from './filters.js';
import { readJsonlItems } from './jsonl.js';
import { compileLmEvalTask, isLmEvalTaskConfig, LmEvalConfigError, readLmEvalConfigFile } from './lm-eval-task.js';
import { metricOutputs, parseMetric } from './metrics.js';
import { type RawItem, TASK_OUTPUTS, type TaskConfig } from './task.js';

export interface RegisteredTask {
  config: TaskConfig;
  /** Items read from the task's JSONL file at registration. */
  items?: RawItem[];
  /** sha256 of that file's bytes as read. */
  dataHash?: string;
}

export class TaskConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid task config: ${problems.join('; ')}`);
    this.name = 'TaskConfigError';
  }
}

const NAME = /^[A-Za-z0-9_.:-]+$/;

/** Every problem of a task config, each prefixed with `task "<name>"`. */
export function taskConfigProblems(config: TaskConfig): string[] {
  const name = typeof config?.name === 'string' ? config.name : '?';
  const problems: string[] = [];
  const bad = (message: string) => problems.push(`task "${name}": ${message}`);
  if (config === null || typeof config !== 'object') return ['task: expected an object'];
  if (typeof config.name !== 'string' || !NAME.test(config.name)) {
    bad(`name ${JSON.stringify(config.name)} must be letters, digits, _ . : or -`);
  }
  if (!TASK_OUTPUTS.includes(config.output))
    bad(`output ${JSON.stringify(config.output)} is not one of ${TASK_OUTPUTS.join(', ')}`);
  const data = config.data as Record<string, unknown> | undefined;
  const sources = data && typeof data === 'object' ? ['benchmark', 'path', 'items'].filter((k) => k in data) : [];
  if (sources.length !== 1) bad('data must have exactly one of "benchmark", "path" (a JSONL file) or "items"');
  else if (sources[0] === 'benchmark' && !BENCHMARK_NAMES.includes(data?.benchmark as never)) {
    bad(`data.benchmark ${JSON.stringify(data?.benchmark)} is not one of ${BENCHMARK_NAMES.join(', ')}`);
  } else if (sources[0] === 'path' && (typeof data?.path !== 'string' || data.path === ''))
    bad('data.path must be a file path');
  else if (sources[0] === 'items' && !Array.isArray(data?.items) && typeof data?.items !== 'function') {
    bad('data.items must be a list of items or a function that makes them');
  }
  if (!Array.isArray(config.metrics) || config.metrics.length === 0) bad('metrics must be a non-empty list');
  let largestK = 0;
  for (const metric of Array.isArray(config.metrics) ? config.metrics : []) {
    let parsed: ReturnType<typeof parseMetric>;
    try {
      parsed = parseMetric(metric);
    } catch (error) {
      bad((error as Error).message);
      continue;
    }
    if (TASK_OUTPUTS.includes(config.output) && !metricOutputs(parsed).includes(config.output)) {
      bad(`metric ${metric} needs a ${metricOutputs(parsed).join(' or ')} task, but output is ${config.output}`);
    }
    if (parsed.base === 'pass') {
      largestK = Math.max(largestK, parsed.k as number);
      if (config.check === undefined && !(data && 'benchmark' in data)) {
        bad(`metric ${metric} needs a checker: give check(item, output), or use a benchmark's data`);
      }
    }
  }
  const g = config.generation;
  if (g !== undefined) {
    if (g.maxTokens !== undefined && (!Number.isInteger(g.maxTokens) || g.maxTokens < 1)) {
      bad(`generation.maxTokens must be an integer >= 1, got ${g.maxTokens}`);
    }
    if (g.samples !== undefined && (!Number.isInteger(g.samples) || g.samples < 1)) {
      bad(`generation.samples must be an integer >= 1, got ${g.samples}`);
    } else if (g.samples !== undefined && g.samples < largestK) {
      bad(`generation.samples ${g.samples} is below pass@${largestK}'s k: pass@k needs at least k generations`);
    }
    if (g.temperature !== undefined && !(g.temperature >= 0 && Number.isFinite(g.temperature))) {
      bad(`generation.temperature must be a finite number >= 0, got ${g.temperature}`);
    }
    if (g.topK !== undefined && (!Number.isInteger(g.topK) || g.topK < 0))
      bad(`generation.topK must be an integer >= 0`);
    if (g.stop !== undefined && !(Array.isArray(g.stop) && g.stop.every((s) => typeof s === 'string'))) {
      bad('generation.stop must be a list of strings');
    }
    if (g.promptZ !== undefined && !PROMPT_Z_MODES.includes(g.promptZ)) {
      bad(`generation.promptZ must be one of ${PROMPT_Z_MODES.join(', ')}`);
    }
  }
  if (config.defaultCount !== undefined && (!Number.isInteger(config.defaultCount) || config.defaultCount < 1)) {
    bad(`defaultCount must be an integer >= 1, got ${config.defaultCount}`);
  }
  if (config.stderr !== undefined && config.stderr !== 'analytic' && config.stderr !== 'bootstrap') {
    bad(`stderr must be "analytic" or "bootstrap", got ${JSON.stringify(config.stderr)}`);
  }
  if (config.check !== undefined && typeof config.check !== 'function') bad('check must be a function');
  if (config.numFewshot !== undefined && (!Number.isInteger(config.numFewshot) || config.numFewshot < 0)) {
    bad(`numFewshot must be an integer >= 0, got ${config.numFewshot}`);
  } else if (config.output === 'loglikelihood_rolling' && (config.numFewshot ?? 0) > 0) {
    bad('numFewshot must be 0 for a loglikelihood_rolling task (a text is scored whole)');
  }
  if (config.fewshotDelimiter !== undefined && typeof config.fewshotDelimiter !== 'string') {
    bad('fewshotDelimiter must be a string');
  }
  if (config.version !== undefined && !Number.isFinite(config.version)) bad('version must be a number');
  if (config.preamble !== undefined && typeof config.preamble !== 'string') bad('preamble must be a string');
  for (const problem of filterProblems(config)) bad(problem);
  return problems;
}

/** What is wrong with a task's filters and exact_match options (each names the field). */
function filterProblems(config: TaskConfig): string[] {
  const problems: string[] = [];
  if (config.filters !== undefined) {
    if (config.output !== 'generate_until') problems.push('filters apply to generate_until tasks only');
    if (!Array.isArray(config.filters) || config.filters.length === 0)
      problems.push('filters must be a non-empty list');
    const names = new Set<string>();
    for (const [i, pipeline] of (Array.isArray(config.filters) ? config.filters : []).entries()) {
      const where = `filters[${i}]`;
      if (typeof pipeline?.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(pipeline.name)) {
        problems.push(`${where}.name must be letters, digits, _ . or -`);
      } else if (names.has(pipeline.name)) problems.push(`${where}.name "${pipeline.name}" is given twice`);
      else names.add(pipeline.name);
      if (!Array.isArray(pipeline?.steps) || pipeline.steps.length === 0) {
        problems.push(`${where}.steps must be a non-empty list`);
        continue;
      }
      for (const [j, step] of pipeline.steps.entries()) {
        const at = `${where}.steps[${j}]`;
        if (!FILTER_FUNCTIONS.includes(step?.function)) {
          problems.push(
            `${at}.function ${JSON.stringify(step?.function)} is not one of ${FILTER_FUNCTIONS.join(', ')}`,
          );
        } else if (step.function === 'regex') {
          try {
            pythonRegex(step.pattern);
          } catch (error) {
            problems.push(`${at}: ${(error as Error).message}`);
          }
          if (step.groupSelect !== undefined && !Number.isInteger(step.groupSelect)) {
            problems.push(`${at}.groupSelect must be an integer`);
          }
        }
      }
    }
  }
  const em = config.exactMatch;
  if (em !== undefined) {
    for (const key of Object.keys(em)) {
      if (!['ignoreCase', 'ignorePunctuation', 'regexesToIgnore'].includes(key)) {
        problems.push(`exactMatch.${key} is not an option (ignoreCase, ignorePunctuation, regexesToIgnore)`);
      }
    }
    for (const [i, pattern] of (em.regexesToIgnore ?? []).entries()) {
      try {
        pythonRegex(pattern);
      } catch (error) {
        problems.push(`exactMatch.regexesToIgnore[${i}]: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** The known name closest to `name` (edit distance), for "did you mean". */
function closest(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const current = [i];
      for (let j = 1; j <= b.length; j++) {
        current.push(
          Math.min(
            (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
            (previous[j] as number) + 1,
            (current[j - 1] as number) + 1,
          ),
        );
      }
      previous = current;
    }
    return previous[b.length] as number;
  };
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

export class TaskRegistry {
  private readonly tasks = new Map<string, RegisteredTask>();

  /** Registers tasks, all or none: throws a TaskConfigError (or the file's JsonlError) and changes nothing. */
  register(configs: TaskConfig | readonly TaskConfig[]): void {
    const list = Array.isArray(configs) ? (configs as readonly TaskConfig[]) : [configs as TaskConfig];
    const problems = list.flatMap(taskConfigProblems);
    const names = new Set<string>();
    for (const config of list) {
      if (this.tasks.has(config.name))
        problems.push(`task "${config.name}": a task of that name is already registered`);
      if (names.has(config.name)) problems.push(`task "${config.name}": given twice`);
      names.add(config.name);
    }
    if (problems.length > 0) throw new TaskConfigError(problems);
    const ready: RegisteredTask[] = list.map((config) => {
      if (!('path' in config.data)) return { config };
      const { output, items, sha256 } = readJsonlItems(config.data.path, config.output);
      if (output !== config.output)
        throw new TaskConfigError([`task "${config.name}": ${config.data.path} holds ${output} items`]);
      return { config, items, dataHash: sha256 };
    });
    for (const task of ready) this.tasks.set(task.config.name, task);
  }

  has(name: string): boolean {
    return this.tasks.has(name);
  }

  get(name: string): RegisteredTask {
    const task = this.tasks.get(name);
    if (task === undefined) {
      const hint = closest(name, this.names());
      throw new Error(
        `No task named "${name}"${hint ? ` (did you mean ${hint}?)` : ''}. Known tasks: ${this.names().join(', ') || 'none'}.`,
      );
    }
    return task;
  }

  names(): string[] {
    return [...this.tasks.keys()].sort();
  }
}

/** A registry holding the built-in tasks (see builtin-tasks.ts), or an empty one. */
export function createTaskRegistry(options: { builtins?: boolean } = {}): TaskRegistry {
  const registry = new TaskRegistry();
  if (options.builtins ?? true) registry.register(builtinTasks());
  return registry;
}

/**
 * Registers the task config(s) of a JSON file (one config or a list). A relative data.path is
 * read from the config file's directory. An lm-evaluation-harness task config (YAML, or JSON
 * with a "task" key) is compiled first (lm-eval-task.ts). All or nothing, like `register`.
 * Returns the names.
 */
export function registerTaskFile(registry: TaskRegistry, path: string): string[] {
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? readLmEvalConfigFile(path) : JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof LmEvalConfigError) throw new TaskConfigError(error.problems.map((p) => `${path}: ${p}`));
    const kind = /\.ya?ml$/i.test(path) ? 'YAML' : 'JSON';
    throw new TaskConfigError([`${path}: cannot read a ${kind} task config (${(error as Error).message})`]);
  }
  // lm-evaluation-harness's own configs (a "task" key) are compiled into ours, their data read.
  if (isLmEvalTaskConfig(parsed)) {
    let compiled: TaskConfig;
    try {
      compiled = compileLmEvalTask(parsed as Record<string, unknown>, path);
    } catch (error) {
      if (error instanceof LmEvalConfigError) throw new TaskConfigError(error.problems.map((p) => `${path}: ${p}`));
      throw error;
    }
    try {
      registry.register(compiled);
    } catch (error) {
      if (error instanceof TaskConfigError) throw new TaskConfigError(error.problems.map((p) => `${path}: ${p}`));
      throw error;
    }
    return [compiled.name];
  }
  const list = (Array.isArray(parsed) ? parsed : [parsed]) as TaskConfig[];
  const configs = list.map((config) => {
    const data = config?.data as { path?: unknown } | undefined;
    if (data && typeof data.path === 'string' && !isAbsolute(data.path)) {
      return { ...config, data: { path: resolve(dirname(path), data.path) } };
    }
    return config;
  });
  try {
    registry.register(configs);
  } catch (error) {
    if (error instanceof TaskConfigError) {
      throw new TaskConfigError(error.problems.map((p) => `${path}: ${p}`));
    }
    throw error;
  }
  return configs.map((c) => c.name);
}
