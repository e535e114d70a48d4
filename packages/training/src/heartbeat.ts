// Keeps a run's heartbeat fresh while this process works on it, on a timer, so that long
// phases (validation, final evaluation) count as alive too. When the tracker refuses a beat
// (the run was killed or marked CRASHED elsewhere), `lost` is set and `signal` aborts, so the
// training loop stops instead of training a run another worker now owns.
import { RunStateError, type Tracker, type WorkerGuard } from '@ftlab/tracker';

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly controller = new AbortController();
  private pending: Promise<void> = Promise.resolve();
  step: number | undefined;
  lost: string | undefined;

  constructor(
    private readonly tracker: Tracker,
    private readonly runId: string,
    private readonly guard: WorkerGuard,
    private readonly intervalMs: number,
  ) {}

  /** Aborts when the run is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(): this {
    this.timer = setInterval(() => {
      this.pending = this.beat();
    }, this.intervalMs);
    this.timer.unref();
    return this;
  }

  async beat(): Promise<void> {
    if (this.lost) return;
    try {
      await this.tracker.heartbeat(this.runId, this.step, this.guard);
    } catch (error) {
      if (!(error instanceof RunStateError)) throw error;
      this.lost = error.message;
      this.controller.abort(error);
    }
  }

  /** Beats now and throws the tracker's RunStateError when the run is no longer this process's. */
  async confirm(): Promise<void> {
    await this.beat();
    if (this.lost) throw this.controller.signal.reason;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pending.catch(() => undefined);
  }
}
