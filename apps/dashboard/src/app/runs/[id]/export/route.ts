// GET /runs/:id/export?format=csv|json: the tracker's export of one run (CSV: every metric point).
import { type IdParams, loadForRoute } from '../../../../lib/by-id';
import { nullIfUnknown } from '../../../../lib/database';
import { attachment, EXPORT_CONTENT_TYPES, exportFormat } from '../../../../lib/download';

export async function GET(request: Request, { params }: { params: IdParams }): Promise<Response> {
  const { id } = await params;
  const format = exportFormat(request);
  if (format instanceof Response) return format;
  const loaded = await loadForRoute('run', id, async (tracker) => {
    const run = await nullIfUnknown(tracker.getRun(id), 'UNKNOWN_RUN');
    return run === null ? null : { run, body: await tracker.exportRun(id, { format }) };
  });
  if (loaded instanceof Response) return loaded;
  return attachment(loaded.data.body, `${loaded.data.run.name}.${format}`, EXPORT_CONTENT_TYPES[format]);
}
