// GET /sweeps/:id/figure/svg?seed=&groups=: the sweep's toy figure as a standalone SVG file.
import { toyFigureSvg } from '@ftlab/evaluation/report';
import { type IdParams, impossibleId, loadForRoute } from '../../../../../lib/by-id';
import { nullIfUnknown } from '../../../../../lib/database';
import { attachment, textError } from '../../../../../lib/download';
import { parseFigureRequest, sweepFigure } from '../../../../../lib/toy-figure';

export async function GET(request: Request, { params }: { params: IdParams }): Promise<Response> {
  const { id } = await params;
  const refused = impossibleId('sweep', id); // an impossible id is a 404 even with bad options
  if (refused) return refused;
  const figureRequest = parseFigureRequest(new URL(request.url).searchParams);
  if (typeof figureRequest === 'string') return textError(400, `Bad figure options: ${figureRequest}.`);
  const loaded = await loadForRoute('sweep', id, async (tracker) => {
    const sweep = await nullIfUnknown(tracker.getSweep(id), 'UNKNOWN_SWEEP');
    return sweep === null ? null : { sweep, result: await sweepFigure(tracker, id, figureRequest) };
  });
  if (loaded instanceof Response) return loaded;
  const { sweep, result } = loaded.data;
  if (!result.ok) return textError(409, result.message);
  if (result.figure.panels.length === 0) {
    return textError(409, `Nothing to draw for seed ${result.figure.seed}: ${result.figure.missing.join('; ')}`);
  }
  return attachment(
    toyFigureSvg(result.figure),
    `${sweep.name}-figure-seed-${result.figure.seed}.svg`,
    'image/svg+xml; charset=utf-8',
  );
}
