// GET /sweeps/:id/figure/svg?seed=&groups=: the sweep's toy figure as a standalone SVG file.
import { loadFromTracker, nullIfUnknown } from '../../../../../lib/database';
import { attachment, problemResponse, textError } from '../../../../../lib/download';
import { ID_PATTERN } from '../../../../../lib/search-params';
import { figureSvg, parseFigureRequest, sweepFigure } from '../../../../../lib/toy-figure';

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  if (!ID_PATTERN.test(id)) return textError(404, `No sweep with id ${JSON.stringify(id)}.`);
  const figureRequest = parseFigureRequest(new URL(request.url).searchParams);
  if (typeof figureRequest === 'string') return textError(400, `Bad figure options: ${figureRequest}.`);
  const loaded = await loadFromTracker(async (tracker) => {
    const sweep = await nullIfUnknown(tracker.getSweep(id), 'UNKNOWN_SWEEP');
    return sweep === null ? null : { sweep, result: await sweepFigure(tracker, id, figureRequest) };
  });
  if (!loaded.ok) return problemResponse(loaded.problem);
  if (loaded.data === null) return textError(404, `No sweep with id ${JSON.stringify(id)} in this database.`);
  const { sweep, result } = loaded.data;
  if (!result.ok) return textError(409, result.message);
  if (result.figure.panels.length === 0) {
    return textError(409, `Nothing to draw for seed ${result.figure.seed}: ${result.figure.missing.join('; ')}`);
  }
  return attachment(
    figureSvg(result.figure),
    `${sweep.name}-figure-seed-${result.figure.seed}.svg`,
    'image/svg+xml; charset=utf-8',
  );
}
