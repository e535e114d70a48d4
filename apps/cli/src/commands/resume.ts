// ftlab resume <run>: continue a KILLED, CRASHED or FAILED run from its last checkpoint, here.
import { defaultWorkerName, RunStateError } from '@ftlab/tracker';
import { resumePoint, runDirectory } from '@ftlab/training';
import { type GlobalOptions, openStore, startBackend } from '../context.js';
import { createOutput } from '../output.js';
import { describeOutcome, exitCodeFor, outcomeJson, runInForeground } from './train.js';

export interface ResumeOptions extends GlobalOptions {
  staleAfter: number;
  maxResumes: number;
  evaluate: boolean;
}

export async function resumeCommand(runId: string, options: ResumeOptions): Promise<number> {
  const out = createOutput(options);
  const tracker = await openStore(options, { mustExist: true });
  try {
    let run = await tracker.getRun(runId);
    if (run.status === 'RUNNING') {
      // A RUNNING run whose worker died is resumable once it is known to be stale.
      await tracker.markStaleRuns(options.staleAfter * 1000, { runId }); // only this run: others may be alive
      run = await tracker.getRun(runId);
      if (run.status === 'RUNNING') {
        throw new RunStateError(
          runId,
          run.status,
          `run ${runId} is RUNNING on ${run.worker} (heartbeat ${Math.round((Date.now() - (run.heartbeatAt ?? 0)) / 1000)} s ago); ` +
            `it can be resumed once its heartbeat is older than --stale-after ${options.staleAfter} s.`,
        );
      }
    }
    if (run.status === 'FINISHED') {
      out.result({ run: runId, status: 'FINISHED', step: run.lastStep }, () => `run ${runId} is already FINISHED`);
      return 0;
    }
    const backend = await startBackend(options, out.info);
    if (run.backend && run.backend !== backend.name) {
      out.warn(
        `note: run ${runId} trained on ${run.backend} so far; continuing on ${backend.name} (not bit-identical)`,
      );
    }
    // Before the run is requeued: where training will continue (the heartbeat's last step is
    // often later than the newest checkpoint), or why it cannot.
    const from = run.artifactRoot ? await resumePoint(runDirectory(run.artifactRoot, runId)) : null;
    if (run.status !== 'PENDING') {
      const { requeued, run: after } = await tracker.requeueRun(runId, { maxResumes: options.maxResumes });
      if (!requeued) {
        throw new Error(
          `run ${runId} was not requeued: ${after.failureReason ?? after.status}. ` +
            `To try again anyway, pass --max-resumes ${after.resumeCount + 1}.`,
        );
      }
    }
    const worker = defaultWorkerName();
    const claimed = await tracker.claimRun(runId, worker);
    if (from?.fallback) out.warn(`note: ${from.fallback}`);
    out.info(
      `resuming run ${runId} from ${from ? `its checkpoint at step ${from.step}` : 'step 0 (no checkpoint)'} ` +
        `(resume ${claimed.resumeCount}) on ${backend.name}`,
    );
    const outcome = await runInForeground(tracker, claimed, backend, out, { worker, evaluate: options.evaluate });
    out.result({ run: runId, ...outcomeJson(outcome) }, () => describeOutcome(runId, outcome));
    return exitCodeFor(outcome);
  } finally {
    await tracker.close();
  }
}
