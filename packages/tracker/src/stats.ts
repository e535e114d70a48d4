// Summary statistics computed in one pass.

/** Running mean and sum of squared deviations (Welford): exact even when the spread is tiny next to the mean. */
export class Welford {
  n = 0;
  mean = 0;
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(x: number): void {
    this.n++;
    const delta = x - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (x - this.mean);
    this.min = Math.min(this.min, x);
    this.max = Math.max(this.max, x);
  }

  /** Sample standard deviation (n - 1); null below two values. */
  get std(): number | null {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : null;
  }
}
