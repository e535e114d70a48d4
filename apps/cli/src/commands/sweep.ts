// ftlab sweep <sweep.yaml> [--workers N]: expand the sweep into PENDING runs (adding only what
// is missing), put crashed or killed runs back in the queue, then start N worker processes
// (one per core by default: the wasm engine is single-threaded) and follow their progress.
// Ctrl-C stops every worker cleanly: current runs are checkpointed and marked KILLED; running
// the same command again resumes them.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TRAIN_METRICS } from '@ftlab/contract';
import type { Tracker } from '@ftlab/tracker';
import { loadSweep, runInput } from '@ftlab/training';
import { artifactRoot, dbPath, type GlobalOptions, openStore } from '../context.js';
import { createOutput, formatTable, type Output } from '../output.js';
import { progressBar } from '../progress.js';
import { onInterrupt } from '../signals.js';

export interface SweepCommandOptions extends GlobalOptions {
  workers?: number;
  staleAfter: number;
  maxResumes: number;
  evaluate: boolean;
  /** Only create the runs; start no workers. */
  queueOnly: boolean;
  /** Added to every seed; the sweep is stored as "<name>-seeds+<offset>". */
  seedOffset?: number;
}

interface WorkerProcess {
  index: number;
  child: ChildProcess;
  exited: Promise<number>;
}

function startWorker(
  index: number,
  sweepId: string,
  options: SweepCommandOptions,
  logDir: string,
  out: Output,
): WorkerProcess {
  const args = [
    ...process.execArgv,
    process.argv[1],
    'worker',
    '--db',
    dbPath(options),
    '--sweep',
    sweepId,
    '--backend',
    options.backend,
    '--threads',
    String(options.threads ?? 1),
    '--stale-after',
    String(options.staleAfter),
    '--max-resumes',
    String(options.maxResumes),
    '--json',
    ...(options.evaluate ? [] : ['--no-evaluate']),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(logDir, `worker-${index}.log`), { flags: 'a' });
  child.stderr?.pipe(log, { end: false });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    log.write(`${line}\n`);
    if (out.json) {
      process.stdout.write(`${line}\n`);
      return;
    }
    try {
      const event = JSON.parse(line) as Record<string, unknown>;
      if (event.event === 'start') out.info(`worker ${index}: started run ${event.run} (${event.name})`);
      if (event.event === 'end') {
        out.info(`worker ${index}: run ${event.run} ${event.status}${event.reason ? `: ${event.reason}` : ''}`);
      }
    } catch {
      // not an event line
    }
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      log.end();
      if (signal || (code !== 0 && code !== 130)) {
        out.warn(
          `worker ${index} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; its log: ${join(logDir, `worker-${index}.log`)}`,
        );
      }
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  return { index, child, exited };
}

async function sweepProgress(tracker: Tracker, sweepId: string) {
  const { runs } = await tracker.listRuns({ sweepId, limit: 100_000 });
  let done = 0;
  let total = 0;
  let tokensPerSec = 0;
  const counts: Record<string, number> = {};
  for (const run of runs) {
    total += run.totalSteps ?? 0;
    done += run.status === 'FINISHED' ? (run.totalSteps ?? 0) : (run.lastStep ?? 0);
    counts[run.status] = (counts[run.status] ?? 0) + 1;
    if (run.status === 'RUNNING') tokensPerSec += run.latestMetrics[TRAIN_METRICS.tokensPerSec]?.value ?? 0;
  }
  return { runs, done, total, tokensPerSec, counts };
}

export async function sweepCommand(file: string, options: SweepCommandOptions): Promise<number> {
  const out = createOutput(options);
  // Every run validated before anything is written.
  const sweep = loadSweep(file, options.seedOffset ? { seedOffset: options.seedOffset } : {});
  const tracker = await openStore(options);
  let interrupted = false;
  try {
    const experiment = await tracker.ensureExperiment(sweep.name, sweep.description);
    const { sweep: stored } = await tracker.ensureSweep({
      name: sweep.name,
      method: sweep.method,
      space: JSON.parse(JSON.stringify(sweep.space)),
      experimentId: experiment.id,
    });
    const root = artifactRoot(options);
    const created = await tracker.createRuns(
      stored.id,
      sweep.runs.map((r) => ({
        ...runInput(r.config, {
          artifactRoot: root,
          // JSON for a section value ({ bits: 1 }), which String() would make "[object Object]".
          tags: Object.fromEntries(
            Object.entries(r.assignment).map(([k, v]) => [`axis:${k}`, typeof v === 'string' ? v : JSON.stringify(v)]),
          ),
        }),
        experimentId: experiment.id,
      })),
    );
    const added = created.filter((c) => c.created).length;
    out.info(
      `sweep ${stored.id} "${sweep.name}": ${sweep.runs.length} runs (${added} new, ${sweep.runs.length - added} already known)`,
    );

    // Restarting a sweep resumes what did not end well: stale RUNNING -> CRASHED, then requeue.
    await tracker.markStaleRuns(options.staleAfter * 1000, { sweepId: stored.id });
    const stopped = await tracker.listRuns({ sweepId: stored.id, status: ['CRASHED', 'KILLED'], limit: 100_000 });
    for (const run of stopped.runs) {
      const { requeued } = await tracker.requeueRun(run.id, { maxResumes: options.maxResumes });
      out.info(
        requeued
          ? `requeued ${run.status} run ${run.id} (resumes from its checkpoint)`
          : `run ${run.id} stays ${run.status}: already resumed ${run.resumeCount} times (--max-resumes ${options.maxResumes})`,
      );
    }
    const pending = (await tracker.listRuns({ sweepId: stored.id, status: 'PENDING', limit: 1 })).total;
    if (options.queueOnly || pending === 0) {
      const summary = await sweepProgress(tracker, stored.id);
      out.result({ sweep: stored.id, pending, counts: summary.counts }, () =>
        pending === 0
          ? `sweep ${stored.id}: nothing left to run (${JSON.stringify(summary.counts)})`
          : `sweep ${stored.id}: ${pending} runs queued; start workers with \`ftlab worker --sweep ${stored.id}\``,
      );
      return 0;
    }

    const count = Math.max(1, Math.min(options.workers ?? availableParallelism(), pending));
    const logDir = join(root, 'logs', stored.id);
    mkdirSync(logDir, { recursive: true });
    out.info(`starting ${count} worker process(es); logs in ${logDir}`);
    const workers = Array.from({ length: count }, (_, i) => startWorker(i + 1, stored.id, options, logDir, out));
    const release = onInterrupt(() => {
      interrupted = true;
      out.info(
        '\nstopping workers: each checkpoints its current run (KILLED, resumable by running this command again)',
      );
      for (const w of workers) w.child.kill('SIGINT');
    });
    const bar = progressBar(out, `sweep ${sweep.name}`);
    const timer = setInterval(async () => {
      const p = await sweepProgress(tracker, stored.id).catch(() => null);
      if (p && bar) {
        const note = Object.entries(p.counts)
          .map(([s, n]) => `${n} ${s.toLowerCase()}`)
          .join(', ');
        bar.update({ done: p.done, total: p.total, unit: 'steps', tokensPerSec: p.tokensPerSec, note });
      }
    }, 1000);
    const codes = await Promise.all(workers.map((w) => w.exited));
    clearInterval(timer);
    bar?.done();
    release();

    const final = await sweepProgress(tracker, stored.id);
    const rows = final.runs.map((r) => [
      r.id,
      r.name,
      r.variant,
      r.seed,
      r.status,
      `${r.lastStep ?? 0}/${r.totalSteps ?? '?'}`,
      r.failureReason,
    ]);
    out.result(
      { sweep: stored.id, counts: final.counts, workerExitCodes: codes, interrupted },
      () =>
        `${formatTable(['run', 'name', 'variant', 'seed', 'status', 'steps', 'reason'], rows)}\n${JSON.stringify(final.counts)}`,
    );
    if (interrupted) return 130;
    return final.counts.FAILED || final.counts.CRASHED || codes.some((c) => c !== 0) ? 1 : 0;
  } finally {
    await tracker.close();
  }
}
