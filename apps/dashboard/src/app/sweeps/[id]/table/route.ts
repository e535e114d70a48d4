// GET /sweeps/:id/table?format=markdown|latex|csv: the paper-style comparison table as a file.

import { exportComparison } from '@ftlab/evaluation/report';
import { type IdParams, loadForRoute } from '../../../../lib/by-id';
import { sweepComparison, TABLE_FORMATS, type TableFormatName } from '../../../../lib/comparison';
import { nullIfUnknown } from '../../../../lib/database';
import { attachment, textError } from '../../../../lib/download';

export async function GET(request: Request, { params }: { params: IdParams }): Promise<Response> {
  const { id } = await params;
  const format = new URL(request.url).searchParams.get('format') ?? 'markdown';
  if (!Object.hasOwn(TABLE_FORMATS, format)) {
    return textError(400, `Unknown format ${JSON.stringify(format)}: use ${Object.keys(TABLE_FORMATS).join(', ')}.`);
  }
  const loaded = await loadForRoute('sweep', id, async (tracker) => {
    const sweep = await nullIfUnknown(tracker.getSweep(id), 'UNKNOWN_SWEEP');
    return sweep === null ? null : { sweep, comparison: await sweepComparison(tracker, id) };
  });
  if (loaded instanceof Response) return loaded;
  const { sweep, comparison } = loaded.data;
  if (!comparison.ok) return textError(409, comparison.message);
  const spec = TABLE_FORMATS[format as TableFormatName];
  const body = exportComparison(comparison.table, format as TableFormatName);
  return attachment(body, `${sweep.name}-comparison.${spec.extension}`, spec.contentType);
}
