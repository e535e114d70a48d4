// Human output (aligned tables, one-line messages on stderr) or, with --json, one JSON document
// or JSON lines on stdout that scripts can parse. With --quiet, only the result and what went
// wrong: no informational lines, no progress bars.

export interface OutputOptions {
  json: boolean;
  /** --quiet: the result, warnings and errors only. */
  quiet?: boolean;
}

export interface Output {
  json: boolean;
  /** No progress bars or informational lines (--quiet). */
  quiet: boolean;
  /** A progress or status line for people (stderr, never in --json stdout); silent with --quiet. */
  info(line: string): void;
  /** Something went wrong beside the result (a worker died, a setting changes nothing): stderr, even with --quiet. */
  warn(line: string): void;
  /** The command's result: a JSON value with --json, else its text rendering. */
  result(value: unknown, text: () => string): void;
  /** One JSON line per event with --json (e.g. per finished run); text otherwise. */
  event(value: Record<string, unknown>, text: () => string): void;
  /** A progress event for machines: a JSON line with --json, unless --quiet; nothing for people (they get a bar). */
  progress(value: Record<string, unknown>): void;
}

export function createOutput({ json, quiet = false }: OutputOptions): Output {
  const stderr = (line: string) => process.stderr.write(`${line}\n`);
  return {
    json,
    quiet,
    info: quiet ? () => {} : stderr,
    warn: stderr,
    result: (value, text) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`),
    event: (value, text) => process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`),
    progress: (value) => {
      if (json && !quiet) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
  };
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
): string {
  const cells = rows.map((row) => row.map((c) => (c === null ? '' : String(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (row: readonly string[]) =>
    row
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(digits)).toString();
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
