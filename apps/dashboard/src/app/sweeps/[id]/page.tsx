// Sweep: the metric over two axes (heatmap, value or difference to the baseline), along one
// axis, over all axes (parallel coordinates), the paper-style table and the configurations.
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { AutoRefresh } from '../../../components/auto-refresh';
import { DatabaseProblemView } from '../../../components/database-problem';
import { EmptyState } from '../../../components/empty-state';
import { AxisLinePanel } from '../../../components/sweep/axis-line-panel';
import { ComparisonPanel } from '../../../components/sweep/comparison-panel';
import { ConfigGroupsTable } from '../../../components/sweep/config-groups-table';
import { HeatmapPanel } from '../../../components/sweep/heatmap-panel';
import { ParallelPanel } from '../../../components/sweep/parallel-panel';
import { SweepControls } from '../../../components/sweep/sweep-controls';
import { SweepHeader } from '../../../components/sweep/sweep-header';
import { Warnings } from '../../../components/warnings';
import { type IdParams, pageId } from '../../../lib/by-id';
import { sweepComparison } from '../../../lib/comparison';
import { loadFromTracker, nullIfUnknown } from '../../../lib/database';
import { LARGE_SWEEP_RUNS, PARAM, REFRESH_ACTIVE_MS, REFRESH_IDLE_MS, REFRESH_LARGE_SWEEP_MS } from '../../../lib/keys';
import type { SearchParams } from '../../../lib/search-params';
import { computeAxisLine, computeHeatmap, sweepPoints } from '../../../lib/sweep-grid';
import { parseSweepView, resolveSweepView } from '../../../lib/sweep-view';

export const metadata: Metadata = { title: 'Sweep' };

export default async function SweepPage({
  params,
  searchParams,
}: {
  params: IdParams;
  searchParams: Promise<SearchParams>;
}) {
  const id = await pageId(params);
  const requested = parseSweepView(await searchParams);
  const loaded = await loadFromTracker(async (tracker) => {
    const summary = await nullIfUnknown(tracker.sweepSummary(id), 'UNKNOWN_SWEEP');
    if (summary === null) return null;
    return { summary, comparison: await sweepComparison(tracker, id) };
  });
  if (!loaded.ok) return <DatabaseProblemView problem={loaded.problem} />;
  if (loaded.data === null) notFound();
  const { summary, comparison } = loaded.data;

  const axes = summary.axes.map((axis) => axis.key);
  const metrics = [...new Set(summary.runs.flatMap((run) => Object.keys(run.latestMetrics)))].sort();
  const view = resolveSweepView(requested, axes, metrics);
  const points = sweepPoints(summary, view.metric);
  const gridAxes = axes.filter((axis) => axis !== PARAM.variant);
  const active = summary.counts.RUNNING + summary.counts.PENDING > 0;
  const refreshMs = !active
    ? REFRESH_IDLE_MS
    : summary.total > LARGE_SWEEP_RUNS
      ? REFRESH_LARGE_SWEEP_MS
      : REFRESH_ACTIVE_MS;

  return (
    <>
      <div className="toolbar" style={{ justifyContent: 'flex-end', marginTop: 0 }}>
        <AutoRefresh intervalMs={refreshMs} />
      </div>
      <SweepHeader summary={summary} />
      <Warnings warnings={view.warnings} />
      {summary.total === 0 ? (
        <EmptyState title="This sweep has no runs yet">
          <p>Its runs appear once the sweep command expands its grid.</p>
        </EmptyState>
      ) : metrics.length === 0 ? (
        <EmptyState title="No metrics logged yet">
          <p>Charts appear when the first runs log their first steps; this page refreshes by itself.</p>
        </EmptyState>
      ) : (
        <>
          <div className="panel">
            <SweepControls sweepId={id} view={view} axes={gridAxes} metrics={metrics} />
          </div>
          {gridAxes.length >= 2 ? (
            <HeatmapPanel heatmap={computeHeatmap(points, view.x, view.y)} mode={view.mode} metric={view.metric} />
          ) : (
            <div className="notice">
              A heatmap needs two axes; this sweep varies {gridAxes.length === 0 ? 'none' : `only ${gridAxes[0]}`}{' '}
              (seeds and the variant aside).
            </div>
          )}
          <div className="grid-2">
            {gridAxes.length >= 1 ? (
              <AxisLinePanel line={computeAxisLine(points, view.line, view.series || null)} metric={view.metric} />
            ) : null}
            {axes.length >= 1 ? <ParallelPanel points={points} axes={axes} metric={view.metric} /> : null}
          </div>
        </>
      )}
      <ComparisonPanel sweepId={id} result={comparison} />
      {summary.groups.length > 0 ? (
        <ConfigGroupsTable groups={summary.groups} axes={axes} metric={view.metric} />
      ) : null}
    </>
  );
}
