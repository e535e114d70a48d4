// A one-line progress bar with ETA, throughput and the current loss, redrawn in place on a
// terminal; elsewhere (CI logs, pipes) a plain line at most every few seconds.
import { formatDuration, formatNumber, type Output } from './output.js';

export interface ProgressState {
  done: number;
  total: number;
  /** What is being counted ("steps", "runs"). */
  unit: string;
  tokensPerSec?: number;
  loss?: number;
  /** Extra text at the end of the line (e.g. "2 running, 1 failed"). */
  note?: string;
}

/** What the bar writes to: a terminal (redrawn in place) or anything else (plain lines). */
export type ProgressStream = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };

export class ProgressBar {
  private readonly started: number;
  private lastPlain = Number.NEGATIVE_INFINITY;
  private drawn = false;
  /** The count at the first update: a resumed run or a restarted sweep starts part-way. */
  private firstDone: number | undefined;

  constructor(
    private readonly label: string,
    private readonly stream: ProgressStream = process.stderr,
    private readonly width = 24,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  update(state: ProgressState): void {
    const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
    const elapsed = this.now() - this.started;
    this.firstDone ??= state.done;
    // The rate is what this process did, so what was done before it started does not shorten the ETA.
    const doneHere = state.done - this.firstDone;
    const eta = doneHere > 0 ? (elapsed * Math.max(0, state.total - state.done)) / doneHere : Number.NaN;
    const parts = [
      `${state.done}/${state.total} ${state.unit}`,
      `${formatDuration(elapsed)} elapsed`,
      `ETA ${fraction >= 1 ? '0s' : formatDuration(eta)}`,
    ];
    if (state.tokensPerSec !== undefined) parts.push(`${Math.round(state.tokensPerSec).toLocaleString('en-US')} tok/s`);
    if (state.loss !== undefined) parts.push(`loss ${formatNumber(state.loss)}`);
    if (state.note) parts.push(state.note);
    if (this.stream.isTTY) {
      const filled = Math.round(fraction * this.width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}]`;
      const text = `${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${parts.join(' | ')}`;
      this.stream.write(`\r${text.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
      this.drawn = true;
    } else if (this.now() - this.lastPlain > 5000 || fraction >= 1) {
      this.lastPlain = this.now();
      this.stream.write(`${this.label} ${(fraction * 100).toFixed(0)}% ${parts.join(' | ')}\n`);
    }
  }

  /** Ends the line so later output starts on a fresh one. */
  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** A bar on stderr where people read the output; none with --json (machine output) or --quiet. */
export function progressBar(out: Pick<Output, 'json' | 'quiet'>, label: string): ProgressBar | undefined {
  return out.json || out.quiet ? undefined : new ProgressBar(label);
}
