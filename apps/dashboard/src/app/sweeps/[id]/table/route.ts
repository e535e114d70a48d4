// GET /sweeps/:id/table?format=markdown|latex|csv: the paper-style comparison table as a file.
import { exportTable, sweepComparison, TABLE_FORMATS, type TableFormatName } from '../../../../lib/comparison';
import { loadFromTracker, nullIfUnknown } from '../../../../lib/database';
import { attachment, problemResponse, textError } from '../../../../lib/download';
import { ID_PATTERN } from '../../../../lib/search-params';

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const format = new URL(request.url).searchParams.get('format') ?? 'markdown';
  if (!Object.hasOwn(TABLE_FORMATS, format)) {
    return textError(400, `Unknown format ${JSON.stringify(format)}: use ${Object.keys(TABLE_FORMATS).join(', ')}.`);
  }
  if (!ID_PATTERN.test(id)) return textError(404, `No sweep with id ${JSON.stringify(id)}.`);
  const loaded = await loadFromTracker(async (tracker) => {
    const sweep = await nullIfUnknown(tracker.getSweep(id), 'UNKNOWN_SWEEP');
    return sweep === null ? null : { sweep, comparison: await sweepComparison(tracker, id) };
  });
  if (!loaded.ok) return problemResponse(loaded.problem);
  if (loaded.data === null) return textError(404, `No sweep with id ${JSON.stringify(id)} in this database.`);
  const { sweep, comparison } = loaded.data;
  if (!comparison.ok) return textError(409, comparison.message);
  const spec = TABLE_FORMATS[format as TableFormatName];
  const body = exportTable(comparison.table, format as TableFormatName);
  return attachment(body, `${sweep.name}-comparison.${spec.extension}`, spec.contentType);
}
