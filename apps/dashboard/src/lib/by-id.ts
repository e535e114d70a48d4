// The pages and file routes under /runs/[id] and /sweeps/[id]. An id the tracker cannot have
// made is answered as not found before the database is opened.
import type { Tracker } from '@ftlab/tracker';
import { notFound } from 'next/navigation';
import { loadFromTracker } from './database';
import { problemResponse, textError } from './download';
import { ID_PATTERN } from './search-params';

/** The params Next.js hands a page or route in an [id] folder. */
export type IdParams = Promise<{ id: string }>;

/** The page's id; the 404 page for one the tracker cannot have made. */
export async function pageId(params: IdParams): Promise<string> {
  const { id } = await params;
  if (!ID_PATTERN.test(id)) notFound();
  return id;
}

function noSuch(kind: 'run' | 'sweep', id: string, where = ''): Response {
  return textError(404, `No ${kind} with id ${JSON.stringify(id)}${where}.`);
}

/** A file route's 404 answer for an id the tracker cannot have made; undefined for one it can. */
export function impossibleId(kind: 'run' | 'sweep', id: string): Response | undefined {
  return ID_PATTERN.test(id) ? undefined : noSuch(kind, id);
}

/**
 * What a file route serves about run or sweep `id`, read by `load` (null where the tracker has
 * no such run or sweep); or the answer to send instead: 404 for an id that cannot be one or is
 * not in the database, 503 with the reason when the database cannot be read.
 */
export async function loadForRoute<T>(
  kind: 'run' | 'sweep',
  id: string,
  load: (tracker: Tracker) => Promise<T | null>,
): Promise<{ data: T; path: string } | Response> {
  const refused = impossibleId(kind, id);
  if (refused) return refused;
  const loaded = await loadFromTracker(load);
  if (!loaded.ok) return problemResponse(loaded.problem);
  if (loaded.data === null) return noSuch(kind, id, ' in this database');
  return { data: loaded.data, path: loaded.path };
}
