// ftlab export <run|sweep> --format csv|json|md|latex|svg: a run's metrics and evaluations, or a
// sweep's runs, its paper-style comparison table (rows: benchmarks and likelihood metrics;
// columns: baseline and each kappa/H/placement, with deltas and confidence intervals) or its
// grouped-generation sheets, the verdicts across seeds (what each kappa shows, with the fraction
// of seeds and intervals) or the paper's toy figure (same-Z groups next to independent Z, one
// panel per column, as SVG, Markdown or JSON). --format hf: a run as a Hugging Face directory
// (export-hf.ts).
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { Z_SHEET_ARTIFACT_KIND } from '@ftlab/contract';
import {
  type ComparisonTable,
  compareSweep,
  exportComparison,
  sweepToyFigure,
  toyFigureMarkdown,
  toyFigureSvg,
  verdictLines,
  verdictsToCsv,
} from '@ftlab/evaluation';
import { writeFileAtomic } from '@ftlab/model';
import { type RunDetail, type Sweep, type Tracker, UnknownRunError } from '@ftlab/tracker';
import { type GlobalOptions, openStore } from '../context.js';
import { createOutput } from '../output.js';
import { exportHfCommand } from './export-hf.js';

export const EXPORT_FORMATS = ['csv', 'json', 'md', 'latex', 'svg', 'hf'] as const;
export type ExportFormatName = (typeof EXPORT_FORMATS)[number];
export const EXPORT_TABLES = ['comparison', 'verdicts', 'runs', 'metrics', 'sheet', 'figure'] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

export interface ExportOptions extends GlobalOptions {
  format: ExportFormatName;
  table?: ExportTable;
  out?: string;
  /** figure: the seed drawn, and groups per condition. */
  seed?: number;
  groups?: number;
}

function svgIsForFigures(): never {
  throw new Error('--format svg is for --table figure');
}

/** The verdicts across seeds as Markdown lines, CSV rows (one per claim) or JSON. */
function verdictsExport(table: ComparisonTable, format: ExportFormatName): string {
  if (format === 'json') return JSON.stringify(table.verdicts, null, 2);
  if (format === 'csv') return verdictsToCsv(table);
  if (format === 'md') {
    const lines = verdictLines(table);
    return lines.length === 0 ? 'No verdicts: no evaluated runs to decide on.' : lines.map((l) => `- ${l}`).join('\n');
  }
  throw new Error(`--table verdicts exports as md, csv or json, not ${format}`);
}

async function findSweep(tracker: Tracker, idOrName: string): Promise<Sweep | null> {
  const sweeps = await tracker.listSweeps();
  return sweeps.find((s) => s.id === idOrName) ?? sweeps.find((s) => s.name === idOrName) ?? null;
}

function evaluationsTable(run: RunDetail, format: 'md' | 'latex'): string {
  const rows = [...run.evaluations].sort((a, b) => a.task.localeCompare(b.task) || a.metric.localeCompare(b.metric));
  const value = (v: number | null, s: number | null) =>
    v === null
      ? ''
      : `${v.toFixed(4)}${s === null ? '' : format === 'latex' ? ` $\\pm$ ${s.toFixed(4)}` : ` ± ${s.toFixed(4)}`}`;
  if (format === 'md') {
    return [
      `| task | metric | value | n |`,
      `| --- | --- | ---: | ---: |`,
      ...rows.map((e) => `| ${e.task} | ${e.metric} | ${value(e.value, e.stderr)} | ${e.n ?? ''} |`),
    ].join('\n');
  }
  const esc = (t: string) => t.replace(/([_%&#$])/g, '\\$1');
  return [
    '\\begin{tabular}{llrr}',
    '\\toprule',
    'task & metric & value & $n$ \\\\',
    '\\midrule',
    ...rows.map((e) => `${esc(e.task)} & ${esc(e.metric)} & ${value(e.value, e.stderr)} & ${e.n ?? ''} \\\\`),
    '\\bottomrule',
    '\\end{tabular}',
  ].join('\n');
}

/** The z-sheet of every finished run of a sweep, ordered by variant and axis values. */
async function sweepSheets(tracker: Tracker, sweep: Sweep, format: ExportFormatName): Promise<string> {
  const { runs } = await tracker.listRuns({ sweepId: sweep.id, status: 'FINISHED', limit: 100_000, orderBy: 'name' });
  const sections: Array<{ title: string; sheet: string }> = [];
  for (const summary of runs) {
    const run = await tracker.getRun(summary.id);
    const artifact = run.artifacts.find((a) => a.kind === Z_SHEET_ARTIFACT_KIND);
    if (!artifact) continue;
    const axes = Object.entries(run.tags)
      .filter(([k]) => k.startsWith('axis:'))
      .map(([k, v]) => `${k.slice(5)}=${v}`)
      .join(', ');
    sections.push({ title: `${run.variant} ${axes} (run ${run.id})`, sheet: await readFile(artifact.path, 'utf8') });
  }
  if (sections.length === 0)
    throw new Error(`sweep ${sweep.name} has no finished run with a grouped-generation sheet (toy runs write one)`);
  if (format === 'json') return JSON.stringify(sections, null, 2);
  if (format === 'latex') {
    return sections
      .map(
        (s) =>
          `\\paragraph{${s.title.replace(/([_%&#$])/g, '\\$1')}}\n\\begin{verbatim}\n${s.sheet.trimEnd()}\n\\end{verbatim}`,
      )
      .join('\n\n');
  }
  return sections.map((s) => `## ${s.title}\n\n\`\`\`\n${s.sheet.trimEnd()}\n\`\`\``).join('\n\n');
}

export async function exportCommand(id: string, options: ExportOptions): Promise<number> {
  if (options.format === 'hf') return exportHfCommand(id, options);
  // The format decides what stdout holds, not --json.
  const out = createOutput({ json: false, quiet: options.quiet });
  const tracker = await openStore(options, { readonly: true });
  // A sweep's runs or metrics come from the tracker in pieces and are written as they come.
  let text: string | AsyncGenerator<string>;
  try {
    const sweep = await findSweep(tracker, id);
    if (sweep) {
      const table =
        options.table ?? (options.format === 'json' ? 'runs' : options.format === 'svg' ? 'figure' : 'comparison');
      if (options.format === 'svg' && table !== 'figure') svgIsForFigures();
      if (table === 'figure') {
        const figure = await sweepToyFigure(tracker, sweep.id, {
          ...(options.seed === undefined ? {} : { seed: options.seed }),
          ...(options.groups === undefined ? {} : { groups: options.groups }),
        });
        if (figure.panels.length === 0) {
          throw new Error(
            `sweep ${sweep.name} has no toy Z study to draw for seed ${figure.seed}: ${figure.missing.join('; ')}`,
          );
        }
        if (options.format === 'svg') text = toyFigureSvg(figure);
        else if (options.format === 'md') text = toyFigureMarkdown(figure);
        else if (options.format === 'json') text = JSON.stringify(figure, null, 2);
        else throw new Error(`--table figure exports as svg, md or json, not ${options.format}`);
      } else if (table === 'verdicts') {
        text = verdictsExport(await compareSweep(tracker, sweep.id), options.format);
      } else if (table === 'sheet') text = await sweepSheets(tracker, sweep, options.format);
      else if (table === 'comparison') {
        const comparison = await compareSweep(tracker, sweep.id);
        const format = options.format;
        text =
          format === 'json'
            ? JSON.stringify(comparison, null, 2)
            : format === 'svg'
              ? svgIsForFigures()
              : exportComparison(comparison, format === 'md' ? 'markdown' : format);
      } else if (options.format === 'json' || options.format === 'csv') {
        text = tracker.streamSweepExport(sweep.id, { format: options.format, table });
      } else {
        throw new Error(`--table ${table} exports as csv or json; use --table comparison for ${options.format}`);
      }
    } else {
      let run: RunDetail;
      try {
        run = await tracker.getRun(id);
      } catch (error) {
        if (error instanceof UnknownRunError)
          throw new Error(`"${id}" is neither a run id nor a sweep id or name in ${tracker.location}`);
        throw error;
      }
      if (options.format === 'svg') throw new Error('--format svg draws a sweep (--table figure), not a run');
      if (options.format === 'json' || options.format === 'csv') {
        const table = options.table === 'runs' ? 'runs' : 'metrics';
        text = await tracker.exportRun(run.id, { format: options.format, table });
      } else {
        text = evaluationsTable(run, options.format);
      }
    }
    if (typeof text === 'string' && !text.endsWith('\n')) text = `${text}\n`;
    if (options.out) {
      await writeFileAtomic(options.out, text);
      out.info(`wrote ${options.out}`);
    } else if (typeof text === 'string') {
      process.stdout.write(text);
    } else {
      for await (const piece of text) {
        if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
      }
    }
  } finally {
    await tracker.close();
  }
  return 0;
}
