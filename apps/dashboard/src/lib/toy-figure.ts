// The paper's toy figure for a sweep (evaluation's sweepToyFigure): one panel per comparison
// column, each one seed's pinned-Z groups next to its independent-Z groups.
import { sweepToyFigure, type ToyFigure } from '@ftlab/evaluation/report';
import type { Tracker } from '@ftlab/tracker';
import { sweepComparison } from './comparison';
import { databasePath } from './database';
import { artifactPath } from './z-sheet';

export type FigureResult = { ok: true; figure: ToyFigure } | { ok: false; message: string };

/** Groups per condition a panel may show (the URL's `groups`). */
export const FIGURE_GROUPS = { default: 4, max: 16 } as const;

export interface FigureRequest {
  seed?: number;
  groups: number;
}

/** `seed` and `groups` from the URL: whole numbers, groups within 1..FIGURE_GROUPS.max, or the message for a 400. */
export function parseFigureRequest(params: URLSearchParams): FigureRequest | string {
  const seedText = params.get('seed');
  const groupsText = params.get('groups');
  const whole = (text: string) => (/^\d{1,9}$/.test(text) ? Number(text) : null);
  const request: FigureRequest = { groups: FIGURE_GROUPS.default };
  if (seedText !== null && seedText !== '') {
    const seed = whole(seedText);
    if (seed === null) return `seed must be a whole number, got ${JSON.stringify(seedText)}`;
    request.seed = seed;
  }
  if (groupsText !== null && groupsText !== '') {
    const groups = whole(groupsText);
    if (groups === null || groups < 1 || groups > FIGURE_GROUPS.max) {
      return `groups must be a whole number from 1 to ${FIGURE_GROUPS.max}, got ${JSON.stringify(groupsText)}`;
    }
    request.groups = groups;
  }
  return request;
}

/** The figure from the sweep's comparison, the one the sweep page caches (lib/comparison.ts). */
export async function sweepFigure(tracker: Tracker, sweepId: string, request: FigureRequest): Promise<FigureResult> {
  const comparison = await sweepComparison(tracker, sweepId);
  if (!comparison.ok) return { ok: false, message: comparison.message };
  const figure = await sweepToyFigure(tracker, sweepId, {
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    groups: request.groups,
    table: comparison.table,
    resolvePath: (path, root) => artifactPath(path, root, databasePath()),
  });
  return { ok: true, figure };
}
