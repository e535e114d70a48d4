// Numbers and times as the tables show them: a fixed number of significant digits, durations in
// the largest sensible unit, and '-' for a value that is not there.

export const MISSING = '-';

export function formatNumber(value: number | null | undefined, significant = 4): string {
  if (value === null || value === undefined) return MISSING;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(significant - 1).replace(/\.?0+e/, 'e');
  // toPrecision keeps significant digits; Number() drops trailing zeros ("1.500" -> "1.5").
  return String(Number(value.toPrecision(significant)));
}

/** A whole number with thousands separators (tokens/s, steps). */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return Math.round(value).toLocaleString('en-US');
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return MISSING;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${Math.floor(minutes)} min ${Math.round(seconds % 60)} s`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.floor(hours)} h ${Math.round(minutes % 60)} min`;
  return `${(hours / 24).toFixed(1)} d`;
}

/** UTC, to the second: the dashboard and the database may sit in different time zones. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return MISSING;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatMeanStd(mean: number | null, std: number | null, significant = 4): string {
  if (mean === null) return MISSING;
  return std === null
    ? formatNumber(mean, significant)
    : `${formatNumber(mean, significant)} ± ${formatNumber(std, 2)}`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return MISSING;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
