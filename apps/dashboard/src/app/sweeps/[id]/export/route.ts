// GET /sweeps/:id/export?format=csv|json: the tracker's own export of a sweep (CSV: one row per
// run with params, latest metrics and tags; JSON: everything, every point included), streamed as
// the tracker reads it, a batch of runs at a time: the download starts at once and the server
// holds one batch, whatever the size of the sweep.
import { type IdParams, loadForRoute } from '../../../../lib/by-id';
import { nullIfUnknown, queryProblem } from '../../../../lib/database';
import { EXPORT_CONTENT_TYPES, exportFormat, streamedAttachment } from '../../../../lib/download';

export async function GET(request: Request, { params }: { params: IdParams }): Promise<Response> {
  const { id } = await params;
  const format = exportFormat(request);
  if (format instanceof Response) return format;
  const loaded = await loadForRoute('sweep', id, async (tracker) => {
    const sweep = await nullIfUnknown(tracker.getSweep(id), 'UNKNOWN_SWEEP');
    if (sweep === null) return null;
    // The first piece is read here, so that a database problem before any byte is sent is
    // answered like on every other route; later pieces are read as the client takes them.
    const pieces = tracker.streamSweepExport(id, { format });
    const first = await pieces.next();
    return { sweep, first: first.done ? '' : first.value, pieces };
  });
  if (loaded instanceof Response) return loaded;
  const { sweep, first, pieces } = loaded.data;
  // A read failing half-way aborts the download; a damaged file also loses its cached connection.
  return streamedAttachment(first, pieces, `${sweep.name}.${format}`, EXPORT_CONTENT_TYPES[format], (error) =>
    queryProblem(loaded.path, error),
  );
}
