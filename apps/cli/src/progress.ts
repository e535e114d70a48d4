// A one-line progress bar with ETA, throughput and the current loss, redrawn in place on a
// terminal; elsewhere (CI logs, pipes) a plain line at most every few seconds.
import { formatDuration, formatNumber } from './output.js';

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

export class ProgressBar {
  private readonly started = performance.now();
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 24,
  ) {}

  update(state: ProgressState): void {
    const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
    const elapsed = performance.now() - this.started;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.NaN;
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
    } else if (performance.now() - this.lastPlain > 5000 || fraction >= 1) {
      this.lastPlain = performance.now();
      this.stream.write(`${this.label} ${(fraction * 100).toFixed(0)}% ${parts.join(' | ')}\n`);
    }
  }

  /** Ends the line so later output starts on a fresh one. */
  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
