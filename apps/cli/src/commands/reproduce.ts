// ftlab reproduce <run>: trains a finished run again from its recorded config and seed, as a new
// run in the same database, and checks that every logged metric, every evaluation and the final
// weights match; where they do not, it names the first difference.
import { defaultWorkerName, type RunDetail, type Tracker } from '@ftlab/tracker';
import { checkpointDigest, latestCheckpointDir, resolveRunConfig, runDirectory, runInput } from '@ftlab/training';
import { artifactRoot, EVAL_NOTE_AUTHOR, type GlobalOptions, openStore, startBackend } from '../context.js';
import { createOutput } from '../output.js';
import { describeOutcome, runInForeground } from './train.js';

/** Keys that measure the machine, not the computation: never expected to repeat. */
const TIMING_KEYS = /tokens_per_sec|ms_per_step/;

export interface ReproduceOptions extends GlobalOptions {
  tolerance: number;
}

export interface Difference {
  what: string;
  step: number | null;
  original: number | string | null;
  reproduced: number | string | null;
}

async function series(tracker: Tracker, runId: string): Promise<Map<string, number | string | null>> {
  const out = new Map<string, number | string | null>();
  for (const key of await tracker.metricKeys(runId)) {
    if (TIMING_KEYS.test(key)) continue;
    for (const p of await tracker.metricHistory(runId, key)) out.set(`${key}@${p.step}`, p.value ?? p.nonFinite);
  }
  return out;
}

function evaluations(run: RunDetail): Map<string, number | string | null> {
  return new Map(run.evaluations.map((e) => [`${e.task}/${e.metric}@${e.step}`, e.value]));
}

/** Differences between two keyed series, in key order; equal within `tolerance` (0: exact). */
export function compareSeries(
  original: Map<string, number | string | null>,
  reproduced: Map<string, number | string | null>,
  tolerance: number,
  kind: string,
): Difference[] {
  const keys = [...new Set([...original.keys(), ...reproduced.keys()])].sort((a, b) => {
    const [ka, sa] = a.split('@') as [string, string];
    const [kb, sb] = b.split('@') as [string, string];
    return Number(sa) - Number(sb) || ka.localeCompare(kb);
  });
  const out: Difference[] = [];
  for (const key of keys) {
    const a = original.get(key) ?? null;
    const b = reproduced.get(key) ?? null;
    const same =
      typeof a === 'number' && typeof b === 'number'
        ? Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a))
        : a === b;
    if (!same) {
      const [what, step] = key.split('@') as [string, string];
      out.push({ what: `${kind} ${what}`, step: Number(step), original: a, reproduced: b });
    }
  }
  return out;
}

export async function reproduceCommand(runId: string, options: ReproduceOptions): Promise<number> {
  const out = createOutput(options);
  const tracker = await openStore(options, { mustExist: true });
  try {
    const original = await tracker.getRun(runId);
    if (original.status !== 'FINISHED') {
      throw new Error(`run ${runId} is ${original.status}: only a FINISHED run can be reproduced (resume it first)`);
    }
    const backend = await startBackend(options, out.info);
    if (original.backend && original.backend !== backend.name) {
      out.warn(
        `note: run ${runId} ran on ${original.backend}, this reproduction on ${backend.name}: expect small differences`,
      );
    }
    const { config } = resolveRunConfig(original.config, `run ${runId}`);
    // --no-evaluate runs still record the likelihood and latent-usage tasks; anything else came from
    // the full final evaluation (toy study, benchmark tasks), which the reproduction must run too.
    const evaluated = original.evaluations.some((e) => e.task !== 'likelihood' && e.task !== 'latent');
    const worker = defaultWorkerName();
    const copy = await tracker.startRun({
      ...runInput(config, { artifactRoot: artifactRoot(options), backend: backend.name, tags: { reproduces: runId } }),
      experimentId: original.experimentId,
      name: `${original.name} (reproduction of ${runId})`,
      worker,
    });
    out.info(`reproducing run ${runId} as run ${copy.id}`);
    const outcome = await runInForeground(tracker, copy, backend, out, { worker, evaluate: evaluated });
    if (outcome.status !== 'FINISHED') throw new Error(describeOutcome(copy.id, outcome));

    // `ftlab eval` may have replaced the evaluations training recorded (with its own seed): those
    // are not expected to repeat, so only the metrics and the weights are compared then.
    const reEvaluated = original.notes.some((n) => n.author === EVAL_NOTE_AUTHOR);
    const differences = [
      ...compareSeries(await series(tracker, runId), await series(tracker, copy.id), options.tolerance, 'metric'),
      ...(reEvaluated
        ? []
        : compareSeries(
            evaluations(original),
            evaluations(await tracker.getRun(copy.id)),
            options.tolerance,
            'evaluation',
          )),
    ];
    const weights = await Promise.all(
      [original, copy].map(async (run) => {
        const dir = run.artifactRoot ? await latestCheckpointDir(runDirectory(run.artifactRoot, run.id)) : null;
        return dir ? checkpointDigest(dir) : null;
      }),
    );
    if (weights[0] === null) out.warn(`note: run ${runId} has no checkpoint left to compare weights with`);
    else if (weights[0] !== weights[1]) {
      differences.push({
        what: 'final weights (SHA-256 of values)',
        step: outcome.step,
        original: weights[0],
        reproduced: weights[1] ?? null,
      });
    }
    const matched = differences.length === 0;
    out.result(
      {
        run: runId,
        reproduction: copy.id,
        matched,
        evaluationsCompared: !reEvaluated,
        differences: differences.slice(0, 20),
        total: differences.length,
      },
      () => {
        if (matched)
          return reEvaluated
            ? `run ${runId} reproduced exactly by run ${copy.id}: every logged metric and the final weights match (evaluations not compared: ftlab eval re-recorded the original's)`
            : `run ${runId} reproduced exactly by run ${copy.id}: every logged metric, evaluation and the final weights match`;
        const first = differences[0] as Difference;
        return [
          `run ${runId} NOT reproduced by run ${copy.id}: ${differences.length} difference(s)`,
          `first: ${first.what} at step ${first.step}: ${first.original} (original) vs ${first.reproduced} (reproduction)`,
        ].join('\n');
      },
    );
    return matched ? 0 : 1;
  } finally {
    await tracker.close();
  }
}
