// The paper's toy figure for a sweep: for one seed, each column (baseline, each kappa...) shows
// its run's groups of generations sharing one pinned Z next to groups with independent Z.
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { DatabaseProblemView } from '../../../../components/database-problem';
import { ToyFigureView } from '../../../../components/sweep/toy-figure-view';
import { type IdParams, pageId } from '../../../../lib/by-id';
import { loadFromTracker, nullIfUnknown } from '../../../../lib/database';
import { firstValue, type SearchParams } from '../../../../lib/search-params';
import { FIGURE_GROUPS, parseFigureRequest, sweepFigure } from '../../../../lib/toy-figure';

export const metadata: Metadata = { title: 'Toy figure' };

export default async function FigurePage({
  params,
  searchParams,
}: {
  params: IdParams;
  searchParams: Promise<SearchParams>;
}) {
  const id = await pageId(params);
  const query = await searchParams;
  const url = new URLSearchParams();
  for (const name of ['seed', 'groups']) {
    const value = firstValue(query, name);
    if (value !== undefined) url.set(name, value);
  }
  const parsed = parseFigureRequest(url);
  const request = typeof parsed === 'string' ? { groups: FIGURE_GROUPS.default } : parsed;
  const loaded = await loadFromTracker(async (tracker) => {
    const sweep = await nullIfUnknown(tracker.getSweep(id), 'UNKNOWN_SWEEP');
    return sweep === null ? null : { sweep, result: await sweepFigure(tracker, id, request) };
  });
  if (!loaded.ok) return <DatabaseProblemView problem={loaded.problem} />;
  if (loaded.data === null) notFound();
  const { sweep, result } = loaded.data;
  const svgHref = (seed: number) => `/sweeps/${id}/figure/svg?seed=${seed}&groups=${request.groups}`;
  return (
    <>
      <div className="panel">
        <div className="page-head" style={{ marginBottom: 6 }}>
          <div>
            <h1 data-testid="figure-title">{sweep.name}: same Z vs independent Z</h1>
            <div className="sub">
              Each column is one seed&apos;s run. Within a pinned-Z group every generation shares one Z drawn from the
              prior; if Z carries the block position, the blue blocks line up within the group and not across the
              independent-Z groups.
            </div>
          </div>
          <div className="toolbar">
            <Link className="button secondary" href={`/sweeps/${id}`}>
              Back to the sweep
            </Link>
            {result.ok ? (
              <a className="button secondary" href={svgHref(result.figure.seed)} download data-testid="figure-svg">
                SVG
              </a>
            ) : null}
          </div>
        </div>
        {typeof parsed === 'string' ? (
          <div className="notice" data-testid="figure-warning">
            Ignored the URL&apos;s figure options: {parsed}.
          </div>
        ) : null}
        {result.ok ? (
          <div className="toolbar" data-testid="figure-seeds" style={{ justifyContent: 'flex-start' }}>
            <span className="small muted">Seed:</span>
            {result.figure.seeds.map((seed) =>
              seed === result.figure.seed ? (
                <strong key={seed}>{seed}</strong>
              ) : (
                <Link key={seed} href={`/sweeps/${id}/figure?seed=${seed}&groups=${request.groups}`}>
                  {seed}
                </Link>
              ),
            )}
          </div>
        ) : null}
      </div>
      <div className="panel">
        {result.ok ? (
          <ToyFigureView figure={result.figure} />
        ) : (
          <div className="notice" data-testid="figure-unavailable">
            {result.message}
          </div>
        )}
      </div>
    </>
  );
}
