// GET /runs/:id/export?format=csv|json: the tracker's export of one run (CSV: every metric point).
import { loadFromTracker, nullIfUnknown } from '../../../../lib/database';
import { attachment, EXPORT_CONTENT_TYPES, exportFormat, problemResponse, textError } from '../../../../lib/download';
import { ID_PATTERN } from '../../../../lib/search-params';

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const format = exportFormat(request);
  if (format instanceof Response) return format;
  if (!ID_PATTERN.test(id)) return textError(404, `No run with id ${JSON.stringify(id)}.`);
  const loaded = await loadFromTracker(async (tracker) => {
    const run = await nullIfUnknown(tracker.getRun(id), 'UNKNOWN_RUN');
    return run === null ? null : { run, body: await tracker.exportRun(id, { format }) };
  });
  if (!loaded.ok) return problemResponse(loaded.problem);
  if (loaded.data === null) return textError(404, `No run with id ${JSON.stringify(id)} in this database.`);
  return attachment(loaded.data.body, `${loaded.data.run.name}.${format}`, EXPORT_CONTENT_TYPES[format]);
}
