// The toy study's grouped generations (same Z within a group vs independent Z, the paper's
// figure) for the run page. The evaluation package may leave it in three places; the first
// found wins:
//   1. an artifact of kind 'z-sheet': a text file holding the sheet;
//   2. an evaluation whose `extra` has the sheet text (extra.sheet / extra.zSheet / extra.text);
//   3. the results JSON it records as an artifact of kind 'evaluation' (field `sheet`).
// Only files the tracker lists as this run's artifacts are read, and only their first bytes.
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RunDetail } from '@ftlab/tracker';
import { Z_SHEET_ARTIFACT_KIND, Z_SHEET_EXTRA_FIELDS } from './keys';

export const EVALUATION_ARTIFACT_KIND = 'evaluation';
const MAX_SHEET_BYTES = 256 * 1024;
const MAX_RESULTS_BYTES = 8 * 1024 * 1024;

export type ZSheet =
  | { found: true; text: string; source: string; truncated: boolean }
  | { found: false; problems: string[] };

/** An artifact path as stored: absolute, or relative to the run's artifact root, else to the database's folder. */
export function artifactPath(path: string, artifactRoot: string | null, databasePath: string): string {
  if (isAbsolute(path)) return path;
  return resolve(/* turbopackIgnore: true */ artifactRoot ?? dirname(databasePath), path);
}

async function readStart(path: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const file = await open(/* turbopackIgnore: true */ path, 'r');
  try {
    const { size } = await file.stat();
    const buffer = Buffer.alloc(Math.min(size, maxBytes));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), truncated: size > maxBytes };
  } finally {
    await file.close();
  }
}

function sheetInExtra(extra: unknown): string | null {
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) return null;
  for (const field of Z_SHEET_EXTRA_FIELDS) {
    const value = (extra as Record<string, unknown>)[field];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return null;
}

export async function loadZSheet(
  run: Pick<RunDetail, 'artifacts' | 'evaluations' | 'artifactRoot'>,
  databasePath: string,
): Promise<ZSheet> {
  const problems: string[] = [];
  const newestFirst = <T extends { createdAt: number }>(items: T[]) =>
    [...items].sort((a, b) => b.createdAt - a.createdAt);

  for (const artifact of newestFirst(run.artifacts.filter((a) => a.kind === Z_SHEET_ARTIFACT_KIND))) {
    const path = artifactPath(artifact.path, run.artifactRoot, databasePath);
    try {
      const { text, truncated } = await readStart(path, MAX_SHEET_BYTES);
      return { found: true, text, truncated, source: `artifact ${artifact.path}` };
    } catch (error) {
      problems.push(`The z-sheet artifact ${path} cannot be read: ${(error as Error).message}`);
    }
  }

  const evaluations = [...run.evaluations].sort((a, b) => b.step - a.step);
  for (const evaluation of evaluations) {
    const text = sheetInExtra(evaluation.extra);
    if (text !== null) {
      return {
        found: true,
        text,
        truncated: false,
        source: `evaluation ${evaluation.task}/${evaluation.metric} at step ${evaluation.step}`,
      };
    }
  }

  for (const artifact of newestFirst(run.artifacts.filter((a) => a.kind === EVALUATION_ARTIFACT_KIND))) {
    const path = artifactPath(artifact.path, run.artifactRoot, databasePath);
    try {
      const { text, truncated } = await readStart(path, MAX_RESULTS_BYTES);
      if (truncated) {
        problems.push(`The evaluation results ${path} are over ${MAX_RESULTS_BYTES / 2 ** 20} MiB; not read.`);
        continue;
      }
      const sheet = (JSON.parse(text) as { sheet?: unknown }).sheet;
      if (typeof sheet === 'string' && sheet.trim() !== '') {
        return { found: true, text: sheet, truncated: false, source: `evaluation results ${artifact.path}` };
      }
    } catch (error) {
      problems.push(`The evaluation results ${path} cannot be read: ${(error as Error).message}`);
    }
  }
  return { found: false, problems };
}
