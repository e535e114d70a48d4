// The paper's toy figure for a whole sweep: one panel per column of the comparison (baseline,
// each kappa...), each the toy study of one seed's run: groups of generations sharing one pinned
// Z, then groups with independent Z, the block of letters marked where each body puts it. If Z
// carries the block position, the blocks line up within a pinned group and not across the
// independent ones. As data (for the dashboard), Markdown text and a standalone SVG.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { analyseToyBody, resolveToyTaskConfig, type ToyTaskConfig } from '@ftlab/data/toy-task';
import type { Tracker } from '@ftlab/tracker';
import { type CompareSweepOptions, type ComparisonTable, compareSweep } from './compare.js';
import type { EvaluationResults } from './results.js';
import { formatPValue } from './significance.js';
import type { ToyGroup } from './toy-z-study.js';

export interface ToyFigureLine {
  letter: string;
  body: string;
  /** Where the body's block of letters starts (its smallest consistent start); null when not well-formed. */
  blockStart: number | null;
}

export interface ToyFigureGroup {
  /** The first codes of the group's pinned Z (null for independent Z). */
  codes: number[] | null;
  lines: ToyFigureLine[];
}

export interface ToyFigurePanel {
  /** The comparison column ("baseline", "kappa=0.5 bit"...). */
  label: string;
  runId: string;
  seed: number;
  pinned: ToyFigureGroup[];
  independent: ToyFigureGroup[];
  blockStartAgreement: { pinned: number; independent: number };
  /** The run's permutation p-value (null for results written before the test existed). */
  pValue: number | null;
}

export interface ToyFigure {
  sweep: string;
  seed: number;
  /** Seeds every panel could have been drawn from. */
  seeds: number[];
  panels: ToyFigurePanel[];
  /** Columns without a figure for this seed, and why. */
  missing: string[];
}

type ToyStudyResults = NonNullable<EvaluationResults['toyStudy']>;

function figureGroups(groups: readonly ToyGroup[], count: number, toy: ToyTaskConfig): ToyFigureGroup[] {
  return groups.slice(0, count).map((group) => ({
    codes: group.codes ? group.codes.slice(0, 8) : null,
    lines: group.generations.map((g) => {
      const analysis = analyseToyBody(g.letter, g.body, toy);
      return { letter: g.letter, body: g.body, blockStart: analysis.valid ? Math.min(...analysis.blockStarts) : null };
    }),
  }));
}

/** One panel from a run's toy study: its first `groups` pinned and independent groups. */
export function toyFigurePanel(
  study: ToyStudyResults,
  meta: { label: string; runId: string; seed: number },
  options: { groups?: number; toy?: Partial<ToyTaskConfig> } = {},
): ToyFigurePanel {
  const toy = resolveToyTaskConfig(options.toy);
  const groups = options.groups ?? 4;
  return {
    ...meta,
    pinned: figureGroups(study.pinnedGroups, groups, toy),
    independent: figureGroups(study.independentGroups, groups, toy),
    blockStartAgreement: {
      pinned: study.pinned.blockStartAgreement.value,
      independent: study.independent.blockStartAgreement.value,
    },
    pValue: study.effects?.blockStart.pValue ?? null,
  };
}

export interface SweepFigureOptions extends Pick<CompareSweepOptions, 'statuses'> {
  /** The seed whose runs are drawn (default: the smallest seed every column has). */
  seed?: number;
  /** Groups per condition and panel (default 4). */
  groups?: number;
  /** The sweep's comparison when the caller has it already (the dashboard caches it); else built here. */
  table?: ComparisonTable;
  /** Resolves an artifact path as stored (default: relative paths against the run's artifact root). */
  resolvePath?: (path: string, artifactRoot: string | null) => string;
}

/** The figure of a sweep: for one seed, each comparison column's toy study side by side. */
export async function sweepToyFigure(
  tracker: Tracker,
  sweepId: string,
  options: SweepFigureOptions = {},
): Promise<ToyFigure> {
  const table =
    options.table ?? (await compareSweep(tracker, sweepId, options.statuses ? { statuses: options.statuses } : {}));
  const seeds = [...new Set(table.columns.flatMap((c) => c.seeds))].sort((a, b) => a - b);
  const common = seeds.filter((s) => table.columns.every((c) => c.seeds.includes(s)));
  const seed = options.seed ?? common[0] ?? seeds[0];
  if (seed === undefined) throw new Error(`sweep ${sweepId} has no runs with a seed to draw`);
  const resolvePath =
    options.resolvePath ??
    ((path: string, root: string | null) => (isAbsolute(path) || root === null ? path : resolve(root, path)));
  const panels: ToyFigurePanel[] = [];
  const missing: string[] = [];
  for (const column of table.columns) {
    const index = column.seeds.indexOf(seed);
    if (index < 0) {
      missing.push(`${column.label}: no finished run with seed ${seed}`);
      continue;
    }
    const runId = column.runIds[index];
    const run = await tracker.getRun(runId);
    const artifacts = run.artifacts.filter((a) => a.kind === 'evaluation').sort((a, b) => b.createdAt - a.createdAt);
    let study: ToyStudyResults | undefined;
    for (const artifact of artifacts) {
      try {
        const results = JSON.parse(
          await readFile(resolvePath(artifact.path, run.artifactRoot), 'utf8'),
        ) as EvaluationResults;
        if (results.toyStudy) {
          study = results.toyStudy;
          break;
        }
      } catch (error) {
        missing.push(
          `${column.label}: run ${runId}'s results ${artifact.path} cannot be read (${(error as Error).message})`,
        );
      }
    }
    if (study === undefined) {
      missing.push(`${column.label}: run ${runId} has no toy Z study (run \`ftlab eval ${runId}\`)`);
      continue;
    }
    const data = run.config.data as { toy?: Partial<ToyTaskConfig> } | undefined;
    panels.push(
      toyFigurePanel(
        study,
        { label: column.label, runId, seed },
        {
          ...(options.groups === undefined ? {} : { groups: options.groups }),
          ...(data?.toy ? { toy: data.toy } : {}),
        },
      ),
    );
  }
  return { sweep: sweepId, seed, seeds, panels, missing };
}

// --- text and SVG ----------------------------------------------------------------------------

function panelSummary(panel: ToyFigurePanel): string {
  const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a');
  return (
    `block-start agreement: pinned Z ${pct(panel.blockStartAgreement.pinned)}, independent Z ${pct(panel.blockStartAgreement.independent)}` +
    (panel.pValue === null ? '' : `, permutation p = ${formatPValue(panel.pValue)}`)
  );
}

/** The figure as Markdown: a section per panel, its groups as code blocks. */
export function toyFigureMarkdown(figure: ToyFigure): string {
  const out = [`# Toy Z study, seed ${figure.seed}: same Z within a group vs independent Z`, ''];
  for (const panel of figure.panels) {
    out.push(`## ${panel.label} (run ${panel.runId})`, '', panelSummary(panel), '', '```');
    const section = (title: string, groups: ToyFigureGroup[]) => {
      out.push(title);
      groups.forEach((group, g) => {
        out.push(`# group ${g + 1}${group.codes ? ` (Z: ${group.codes.join(' ')} ...)` : ''}`);
        for (const line of group.lines) out.push(`${line.letter}>${line.body}`);
      });
    };
    section('=== pinned Z ===', panel.pinned);
    section('=== independent Z ===', panel.independent);
    out.push('```', '');
  }
  for (const problem of figure.missing) out.push(`- not drawn: ${problem}`);
  return `${out.join('\n').trimEnd()}\n`;
}

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const CHAR_WIDTH = 7.2;
const LINE_HEIGHT = 13;

/**
 * A standalone SVG: panels left to right, pinned groups above independent ones; each body in a
 * monospace font with its block of letters in blue, noise ('!') in red, blanks grey, and a tick
 * at the block start.
 */
export function toyFigureSvg(figure: ToyFigure): string {
  const bodyChars = Math.max(
    8,
    ...figure.panels.flatMap((p) =>
      [...p.pinned, ...p.independent].flatMap((g) => g.lines.map((l) => l.body.length + 2)),
    ),
  );
  const panelWidth = bodyChars * CHAR_WIDTH + 24;
  const lineCount = (groups: ToyFigureGroup[]) => groups.reduce((n, g) => n + g.lines.length + 1, 0);
  const panelLines = Math.max(1, ...figure.panels.map((p) => lineCount(p.pinned) + lineCount(p.independent) + 2));
  const top = 40;
  const height = top + (panelLines + 3) * LINE_HEIGHT;
  const width = Math.max(640, figure.panels.length * panelWidth + 20);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height.toFixed(0)}" viewBox="0 0 ${width.toFixed(0)} ${height.toFixed(0)}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">`,
    '<style>.blank{fill:#b0b0b0}.noise{fill:#d03030}.block{fill:#1f5fbf;font-weight:bold}.other{fill:#202020}.head{font-family:sans-serif;font-size:13px;font-weight:bold}.note{font-family:sans-serif;font-size:11px;fill:#555}</style>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" class="head">${escapeXml(`Toy Z study, seed ${figure.seed}: generations sharing one pinned Z (top) vs independent Z (bottom)`)}</text>`,
  ];
  figure.panels.forEach((panel, p) => {
    const x0 = 10 + p * panelWidth;
    let y = top;
    parts.push(`<text x="${x0}" y="${y}" class="head">${escapeXml(panel.label)}</text>`);
    y += LINE_HEIGHT;
    parts.push(`<text x="${x0}" y="${y}" class="note">${escapeXml(panelSummary(panel))}</text>`);
    const drawGroups = (title: string, groups: ToyFigureGroup[]) => {
      y += LINE_HEIGHT * 1.5;
      parts.push(`<text x="${x0}" y="${y}" class="note">${escapeXml(title)}</text>`);
      for (const group of groups) {
        for (const line of group.lines) {
          y += LINE_HEIGHT;
          const spans = [...line.body].map((c) => {
            const cls = c === '!' ? 'noise' : c === '_' ? 'blank' : c === line.letter ? 'block' : 'other';
            return `<tspan class="${cls}">${escapeXml(c)}</tspan>`;
          });
          parts.push(
            `<text x="${x0}" y="${y}" xml:space="preserve"><tspan class="other">${escapeXml(`${line.letter}>`)}</tspan>${spans.join('')}</text>`,
          );
          if (line.blockStart !== null) {
            const tick = x0 + (line.blockStart + 2) * CHAR_WIDTH;
            parts.push(
              `<line x1="${tick.toFixed(1)}" x2="${tick.toFixed(1)}" y1="${(y + 2).toFixed(1)}" y2="${(y + 4).toFixed(1)}" stroke="#1f5fbf"/>`,
            );
          }
        }
        y += LINE_HEIGHT * 0.5;
      }
    };
    drawGroups('pinned Z (one Z per group)', panel.pinned);
    drawGroups('independent Z', panel.independent);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
