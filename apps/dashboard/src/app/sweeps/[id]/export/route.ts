// GET /sweeps/:id/export?format=csv|json: the tracker's own export of a sweep (CSV: one row per
// run with params, latest metrics and tags; JSON: everything, every point included).
import { loadFromTracker, nullIfUnknown } from '../../../../lib/database';
import {
  attachment,
  EXPORT_CONTENT_TYPES,
  exportFormat,
  MAX_JSON_EXPORT_RUNS,
  problemResponse,
  textError,
} from '../../../../lib/download';
import { ID_PATTERN } from '../../../../lib/search-params';

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const format = exportFormat(request);
  if (format instanceof Response) return format;
  if (!ID_PATTERN.test(id)) return textError(404, `No sweep with id ${JSON.stringify(id)}.`);
  const loaded = await loadFromTracker(async (tracker) => {
    const sweep = await nullIfUnknown(tracker.getSweep(id), 'UNKNOWN_SWEEP');
    if (sweep === null) return null;
    if (format === 'json') {
      const { total } = await tracker.listRuns({ sweepId: id, limit: 1, paramKeys: [] });
      if (total > MAX_JSON_EXPORT_RUNS) return { sweep, tooLarge: total };
    }
    return { sweep, body: await tracker.exportSweep(id, { format }) };
  });
  if (!loaded.ok) return problemResponse(loaded.problem);
  if (loaded.data === null) return textError(404, `No sweep with id ${JSON.stringify(id)} in this database.`);
  const { sweep } = loaded.data;
  if ('tooLarge' in loaded.data) {
    return textError(
      413,
      `Sweep ${sweep.name} has ${loaded.data.tooLarge} runs; its JSON export (every point of every run) is too large to build in the dashboard (limit ${MAX_JSON_EXPORT_RUNS} runs). Use: ftlab export ${sweep.id} --format json`,
    );
  }
  return attachment(loaded.data.body, `${sweep.name}.${format}`, EXPORT_CONTENT_TYPES[format]);
}
