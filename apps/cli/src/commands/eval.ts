// ftlab eval <run>: the full evaluation of a run's newest checkpoint (likelihood bounds, latent
// usage, the toy Z study and the benchmark tasks), printed and recorded in the tracker. Each group
// of metrics is recorded as soon as it is computed, and a task that fails is reported (exit 1)
// without losing the others.

import { join } from 'node:path';
import {
  createTaskRegistry,
  type EffectiveGeneration,
  failedTasks,
  formatMetricsTable,
  lmEvalSample,
  recordEvaluation,
  recordMetrics,
  registerTaskFile,
  type SampleRecord,
  type TaskConfig,
} from '@ftlab/evaluation';
import { writeFileAtomic } from '@ftlab/model';
import { evaluateTrainedModel } from '@ftlab/training';
import { EVAL_NOTE_AUTHOR, type GlobalOptions, openStore, startBackend } from '../context.js';
import { createOutput } from '../output.js';
import { type ProgressBar, progressBar } from '../progress.js';
import { loadRunModel } from '../run-model.js';

export interface EvalOptions extends GlobalOptions {
  tasks?: string[];
  /** JSON task configs (lm-evaluation-harness style) to register and run. */
  taskFile?: string[];
  rows?: number;
  iwae?: number;
  limit?: number;
  numFewshot?: number;
  logSamples: boolean;
  likelihood: boolean;
  seed: number;
  record: boolean;
}

export async function evalCommand(runId: string, options: EvalOptions): Promise<number> {
  const out = createOutput(options);
  await startBackend(options, out.info);
  const tracker = await openStore(options, { readonly: !options.record, mustExist: true });
  try {
    const run = await tracker.getRun(runId);
    const { config, dataset, model, step, runDir } = await loadRunModel(run);
    try {
      const registry = createTaskRegistry();
      const samplePaths: string[] = [];
      let bar: { task: string; bar: ProgressBar | undefined; started: number } | undefined;
      const fileTasks = (options.taskFile ?? []).flatMap((file) => registerTaskFile(registry, file));
      const tasks = options.tasks || fileTasks.length > 0 ? [...(options.tasks ?? []), ...fileTasks] : undefined;
      const evaluation = evaluateTrainedModel({
        tracker,
        runId,
        config,
        dataset,
        model,
        step,
        purpose: `cli-evaluation-${options.seed}`,
        registry,
        ...(tasks ? { tasks } : {}),
        ...(options.rows ? { rows: options.rows } : {}),
        ...(options.iwae ? { iwaeSamples: options.iwae } : {}),
        ...(options.limit === undefined ? {} : { taskLimit: options.limit }),
        ...(options.numFewshot === undefined ? {} : { numFewshot: options.numFewshot }),
        ...(options.likelihood === false ? { likelihood: false } : {}),
        ...(options.logSamples
          ? {
              logSamples: true,
              onSamples: async (
                task: TaskConfig,
                samples: readonly SampleRecord[],
                generation?: EffectiveGeneration,
              ) => {
                const path = join(runDir, `samples-${task.name}-step-${step}.jsonl`);
                await writeFileAtomic(
                  path,
                  samples.map((sample) => `${JSON.stringify(lmEvalSample(task, sample, generation))}\n`).join(''),
                );
                samplePaths.push(path);
              },
            }
          : {}),
        onTaskProgress: (task, done, total) => {
          if (bar?.task !== task) {
            bar?.bar?.done(); // a task that failed half-way ends its line too
            bar = { task, bar: progressBar(out, `task ${task}`), started: performance.now() };
          }
          const seconds = (performance.now() - bar.started) / 1000;
          bar.bar?.update({
            done,
            total,
            unit: 'items',
            note: seconds > 0 ? `${(done / seconds).toFixed(1)} items/s` : '',
          });
          if (done === total) bar.bar?.done();
        },
        log: (m) => out.info(`evaluation: ${m}`),
        ...(options.record ? { onRecords: (records) => recordMetrics(tracker, runId, step, records) } : {}),
      });
      // The progress line ends however the evaluation does.
      const results = await evaluation.finally(() => bar?.bar?.done());
      if (options.record) {
        // The metrics went to the tracker as they came (onRecords): the file and its artifact remain.
        await recordEvaluation(tracker, runId, step, results, {
          resultsPath: join(runDir, `results-step-${step}.json`),
          metrics: false,
        });
        // Replacing what training recorded at this step: say so, so `ftlab reproduce` knows why they differ.
        await tracker.addNote(
          runId,
          `evaluations at step ${step} re-recorded by ftlab eval (seed ${options.seed}${tasks ? `, tasks ${tasks.join(', ')}` : ''})`,
          EVAL_NOTE_AUTHOR,
        );
      }
      for (const path of samplePaths) out.info(`wrote ${path}`);
      const failed = failedTasks(results);
      out.result(results, () =>
        [
          `run ${runId} at step ${step}`,
          formatMetricsTable(results),
          results.sheet ?? '',
          failed.map(({ task, error }) => `task ${task} failed: ${error}`).join('\n'),
        ]
          .filter(Boolean)
          .join('\n\n'),
      );
      return failed.length === 0 ? 0 : 1;
    } finally {
      model.dispose();
    }
  } finally {
    await tracker.close();
  }
}
