// GET /runs/:id/export?format=csv|json: the tracker's export of one run (CSV: every metric point).
import { loadFromTracker, nullIfUnknown } from '../../../../lib/database';
import { attachment, problemResponse, textError } from '../../../../lib/download';
import { ID_PATTERN } from '../../../../lib/search-params';

const FORMATS = { csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8' } as const;

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const format = new URL(request.url).searchParams.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json')
    return textError(400, `Unknown format ${JSON.stringify(format)}: use csv or json.`);
  if (!ID_PATTERN.test(id)) return textError(404, `No run with id ${JSON.stringify(id)}.`);
  const loaded = await loadFromTracker(async (tracker) => {
    const run = await nullIfUnknown(tracker.getRun(id), 'UNKNOWN_RUN');
    return run === null ? null : { run, body: await tracker.exportRun(id, { format }) };
  });
  if (!loaded.ok) return problemResponse(loaded.problem);
  if (loaded.data === null) return textError(404, `No run with id ${JSON.stringify(id)} in this database.`);
  return attachment(loaded.data.body, `${loaded.data.run.name}.${format}`, FORMATS[format]);
}
