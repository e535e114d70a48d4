// The comparison table as Markdown, LaTeX (booktabs) and CSV. A cell reads
//   mean over seeds  (mean paired difference to the baseline ± half-width of its CI)  *
// where * marks an interval that excludes 0. CSV is one line per (row, column) with every number.
import type { ComparisonCell, ComparisonTable } from './compare.js';

export interface TableFormatOptions {
  /** Decimals of every number (default 3). */
  digits?: number;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

function signed(value: number, digits: number): string {
  return `${value >= 0 ? '+' : ''}${fixed(value, digits)}`;
}

interface CellParts {
  mean: string;
  delta: string | null;
  significant: boolean;
}

function cellParts(cell: ComparisonCell, digits: number): CellParts {
  if (cell.mean === null) return { mean: '—', delta: null, significant: false };
  const d = cell.delta;
  let delta: string | null = null;
  if (d && d.n > 0) {
    delta =
      d.low !== null && d.high !== null
        ? `${signed(d.mean, digits)} ±${fixed((d.high - d.low) / 2, digits)}`
        : signed(d.mean, digits);
  }
  return { mean: fixed(cell.mean, digits), delta, significant: d?.significant ?? false };
}

function caption(table: ComparisonTable): string {
  const seeds = Math.max(0, ...table.columns.map((c) => c.seeds.length));
  return (
    `Mean over seeds (up to ${seeds}); in parentheses the mean paired difference to the baseline of the same seed ± ` +
    `the half-width of its ${Math.round(table.level * 100)}% confidence interval (paired t across seeds); ` +
    '* the interval excludes 0.'
  );
}

export function comparisonToMarkdown(table: ComparisonTable, options: TableFormatOptions = {}): string {
  const digits = options.digits ?? 3;
  const escapePipes = (text: string) => text.replace(/\|/g, '\\|');
  const header = ['metric', ...table.columns.map((c) => `${escapePipes(c.label)} (n=${c.seeds.length})`)];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const row of table.rows) {
    const cells = row.cells.map((cell) => {
      const p = cellParts(cell, digits);
      return `${p.mean}${p.delta ? ` (${p.delta})` : ''}${p.significant ? '*' : ''}`;
    });
    lines.push(`| ${escapePipes(row.key)} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n\n${caption(table)}\n${verdictsMarkdown(table)}`;
}

/** The verdict of each column, one line each (verdicts.ts), as plain text. */
export function verdictLines(table: ComparisonTable): string[] {
  return table.verdicts.filter((v) => v.claims.length > 0).map((v) => v.summary);
}

function verdictsMarkdown(table: ComparisonTable): string {
  const lines = verdictLines(table);
  if (lines.length === 0) return '';
  return `\n**Verdicts across seeds** (${table.verdictRule}):\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
}

export const VERDICT_CSV_COLUMNS = [
  'column',
  'claim',
  'holds',
  'seeds_with',
  'seeds',
  'fraction',
  'fraction_low',
  'fraction_high',
  'chance',
  'text',
] as const;

/** The verdicts as CSV: one line per claim of each column, every number. */
export function verdictsToCsv(table: ComparisonTable): string {
  const lines = [VERDICT_CSV_COLUMNS.join(',')];
  for (const v of table.verdicts) {
    for (const c of v.claims) {
      const { successes, n, value, low, high } = c.seeds;
      lines.push([v.label, c.name, c.holds, successes, n, value, low, high, c.chance, c.text].map(csvField).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

const LATEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

export function latexEscape(text: string): string {
  return text.replace(/[\\&%$#_{}~^]/g, (c) => LATEX_SPECIALS[c]);
}

export function comparisonToLatex(table: ComparisonTable, options: TableFormatOptions = {}): string {
  const digits = options.digits ?? 3;
  const lines = [
    '\\begin{table}[t]',
    '\\centering',
    `\\begin{tabular}{l${'r'.repeat(table.columns.length)}}`,
    '\\toprule',
    `Metric & ${table.columns.map((c) => latexEscape(c.label)).join(' & ')} \\\\`,
    '\\midrule',
  ];
  for (const row of table.rows) {
    const cells = row.cells.map((cell) => {
      const p = cellParts(cell, digits);
      if (cell.mean === null) return '--';
      const delta = p.delta ? ` {\\small(${p.delta.replace(' ±', ' $\\pm$ ')})}` : '';
      return `${p.mean}${delta}${p.significant ? '$^{*}$' : ''}`;
    });
    lines.push(`${latexEscape(row.key)} & ${cells.join(' & ')} \\\\`);
  }
  lines.push(
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{${latexEscape(caption(table)).replace('±', '$\\pm$')}}`,
    '\\end{table}',
  );
  return `${lines.join('\n')}\n`;
}

function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const COMPARISON_CSV_COLUMNS = [
  'task',
  'metric',
  'column',
  'is_baseline',
  'mean',
  'std',
  'n',
  'delta',
  'delta_stderr',
  'ci_low',
  'ci_high',
  'pairs',
  'significant',
] as const;

export function comparisonToCsv(table: ComparisonTable): string {
  const lines = [COMPARISON_CSV_COLUMNS.join(',')];
  for (const row of table.rows) {
    row.cells.forEach((cell, i) => {
      const column = table.columns[i];
      const d = cell.delta;
      lines.push(
        [
          row.task,
          row.metric,
          column?.label ?? '',
          column?.isBaseline ?? false,
          cell.mean,
          cell.std,
          cell.n,
          d ? d.mean : null,
          d ? d.stderr : null,
          d ? d.low : null,
          d ? d.high : null,
          d ? d.n : null,
          d ? d.significant : null,
        ]
          .map((v) => csvField(typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
          .join(','),
      );
    });
  }
  return `${lines.join('\n')}\n`;
}

export type TableFormat = 'markdown' | 'latex' | 'csv';

export function exportComparison(
  table: ComparisonTable,
  format: TableFormat,
  options: TableFormatOptions = {},
): string {
  switch (format) {
    case 'markdown':
      return comparisonToMarkdown(table, options);
    case 'latex':
      return comparisonToLatex(table, options);
    case 'csv':
      return comparisonToCsv(table);
    default:
      throw new Error(`unknown table format ${JSON.stringify(format)}: use markdown, latex or csv`);
  }
}
