// Buffers a training run's metric points in memory and writes them in batches: one transaction
// per flush (every `maxBatch` points, every `flushIntervalMs`, and on close). A training step
// never waits on the database; only flushed points are durable, and every flushed point is.
import type { SqlDriver } from './driver.js';
import { InvalidInputError, TrackerError } from './errors.js';
import { encodePoint, writeMetricRows } from './metrics.js';

export interface MetricWriterOptions {
  /** Flush once this many points are buffered (default 1000). */
  maxBatch?: number;
  /** Also flush this often, in ms (default 1000; 0 = only by count, flush() and close()). */
  flushIntervalMs?: number;
}

type MetricRow = ReturnType<typeof encodePoint>;

export class MetricWriter {
  private buffer: MetricRow[] = [];
  private flushing: Promise<number> = Promise.resolve(0);
  private failure: unknown;
  private closed = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly maxBatch: number;

  constructor(
    private readonly db: SqlDriver,
    readonly runId: string,
    options: MetricWriterOptions = {},
    private readonly onClose?: (writer: MetricWriter) => void,
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    const interval = options.flushIntervalMs ?? 1000;
    if (!Number.isSafeInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new InvalidInputError(`MetricWriter: maxBatch must be a positive integer, got ${this.maxBatch}.`);
    }
    if (!Number.isFinite(interval) || interval < 0) {
      throw new InvalidInputError(`MetricWriter: flushIntervalMs must be >= 0, got ${interval}.`);
    }
    if (interval > 0) {
      this.timer = setInterval(() => this.flushInBackground(), interval);
      this.timer.unref(); // a pending flush timer must not keep a finished process alive
    }
  }

  /** Points buffered and not yet written. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Buffers one point. Throws at once on a bad key, step or value (NaN and Infinity are fine:
   * they are stored flagged), and rethrows the error of a failed background flush.
   */
  log(key: string, step: number, value: number, wallTimeMs: number = Date.now()): void {
    this.assertUsable();
    const where = `MetricWriter(${this.runId}).log(${JSON.stringify(key)})`;
    this.buffer.push(encodePoint({ runId: this.runId, key, step, value, wallTimeMs }, where, wallTimeMs));
    if (this.buffer.length >= this.maxBatch) this.flushInBackground();
  }

  /** Buffers several metrics of one step, e.g. `logStep(100, { 'train/loss': 2.1, 'train/kl': 0.3 })`. */
  logStep(step: number, values: Record<string, number>, wallTimeMs: number = Date.now()): void {
    for (const [key, value] of Object.entries(values)) this.log(key, step, value, wallTimeMs);
  }

  /** Writes everything buffered so far; resolves with the number of points written by this call. */
  flush(): Promise<number> {
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    this.flushing = this.flushing.then(
      () => this.writeBuffered(),
      () => this.writeBuffered(),
    );
    return this.flushing;
  }

  /** Flushes and stops the timer; the writer refuses points afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.onClose?.(this);
    }
  }

  private async writeBuffered(): Promise<number> {
    if (this.buffer.length === 0) return 0;
    const batch = this.buffer;
    this.buffer = [];
    try {
      return await writeMetricRows(this.db, batch, `MetricWriter(${this.runId}).flush`);
    } catch (error) {
      // Keep the points (a retry may succeed, e.g. after a long lock) ahead of newer ones.
      this.buffer = batch.concat(this.buffer);
      throw error;
    }
  }

  private flushInBackground(): void {
    this.flush().catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  private assertUsable(): void {
    if (this.closed) {
      throw new TrackerError(
        'CLOSED',
        `MetricWriter for run ${this.runId} is closed; create a new one to log more points.`,
      );
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }
}
