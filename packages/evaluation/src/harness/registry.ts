// Tasks found by name. Registering validates the whole config (and reads a JSONL file at once),
// and is all-or-nothing: when any config or file of a call is wrong, nothing of that call is
// registered and the error lists every problem.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { checkConfig, closestName, formatIssue } from '@ftlab/config';
import { builtinTasks } from './builtin-tasks.js';
import { readJsonlItems } from './jsonl.js';
import { compileLmEvalTask, isLmEvalTaskConfig, LmEvalConfigError, readLmEvalConfigFile } from './lm-eval-task.js';
import type { RawItem, TaskConfig } from './task.js';
import { TaskConfigSchema } from './task-schema.js';

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

/** Every problem of a task config (`TaskConfigSchema`), each prefixed with `task "<name>"`. */
export function taskConfigProblems(config: TaskConfig): string[] {
  const name = typeof config?.name === 'string' ? config.name : '?';
  const checked = checkConfig(TaskConfigSchema, config);
  return checked.success ? [] : checked.issues.map((issue) => `task "${name}": ${formatIssue(issue)}`);
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
      const hint = closestName(name, this.names());
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
