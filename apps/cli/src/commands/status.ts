// ftlab status: the runs in the database with their progress, newest first.

import { TRAIN_METRICS, VAL_METRICS } from '@ftlab/contract';
import { type RunStatus, type RunSummary, UnknownSweepError } from '@ftlab/tracker';
import { DEFAULT_STALE_AFTER_S, type GlobalOptions, openStore } from '../context.js';
import { createOutput, formatDuration, formatNumber, formatTable } from '../output.js';

export interface StatusOptions extends GlobalOptions {
  sweep?: string;
  /** Upper case, checked by the option parser. */
  status?: RunStatus[];
  limit: number;
}

function progress(run: RunSummary): string {
  const total = run.totalSteps ?? 0;
  const step = run.status === 'FINISHED' ? total : (run.lastStep ?? 0);
  return total > 0 ? `${step}/${total} ${Math.floor((100 * step) / total)}%` : String(step);
}

/** A reason on one line, cut at REASON_SHOWN characters (`--json` has it whole). */
const REASON_SHOWN = 240;
function oneLine(reason: string): string {
  const flat = reason.replace(/\s+/g, ' ').trim();
  return flat.length <= REASON_SHOWN ? flat : `${flat.slice(0, REASON_SHOWN)}… (--json for the whole reason)`;
}

/** A RUNNING run without a heartbeat for longer than the default --stale-after (status only reads). */
function silent(run: { status: RunStatus; heartbeatAt: number | null }, now: number): boolean {
  return run.status === 'RUNNING' && run.heartbeatAt !== null && now - run.heartbeatAt > DEFAULT_STALE_AFTER_S * 1000;
}

export async function statusCommand(options: StatusOptions): Promise<number> {
  const out = createOutput(options);
  const tracker = await openStore(options, { readonly: true });
  try {
    // A mistyped --sweep would otherwise list nothing and say "no runs yet".
    if (options.sweep) {
      await tracker.getSweep(options.sweep).catch((error: unknown) => {
        if (!(error instanceof UnknownSweepError)) throw error;
        throw new Error(
          `--sweep ${options.sweep}: no sweep with this id in ${tracker.location}. Fix: use the id \`ftlab sweep\` printed.`,
        );
      });
    }
    const { total, runs } = await tracker.listRuns({
      ...(options.sweep ? { sweepId: options.sweep } : {}),
      ...(options.status ? { status: options.status } : {}),
      limit: options.limit,
    });
    const now = Date.now();
    out.result({ total, runs }, () => {
      if (total === 0) return 'no runs yet: try `ftlab train experiments/toy-quick.yaml` or `npm run demo`';
      const rows = runs.map((r) => [
        r.id,
        r.name,
        r.variant,
        r.seed,
        r.status,
        progress(r),
        formatNumber(r.latestMetrics[TRAIN_METRICS.loss]?.value),
        formatNumber(r.latestMetrics[VAL_METRICS.klBits]?.value ?? r.latestMetrics[TRAIN_METRICS.klBits]?.value),
        r.backend,
        r.heartbeatAt
          ? `${formatDuration(now - r.heartbeatAt)} ago${silent(r, now) ? ' (silent: process dead? ftlab resume)' : ''}`
          : '',
      ]);
      const shown = runs.length < total ? `\n(${runs.length} of ${total} runs; --limit to see more)` : '';
      // Why runs stopped, under the table (a column would be too wide to read).
      const why = runs
        .filter((r) => r.status !== 'FINISHED' && r.failureReason)
        .map((r) => `  ${r.id} ${r.status}: ${oneLine(r.failureReason as string)}`);
      const reasons = why.length > 0 ? `\n\nwhy:\n${why.join('\n')}` : '';
      return `${formatTable(['run', 'name', 'variant', 'seed', 'status', 'progress', 'loss', 'KL bits', 'backend', 'updated'], rows)}${shown}${reasons}`;
    });
    return 0;
  } finally {
    await tracker.close();
  }
}
