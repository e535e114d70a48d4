// Compare: overlaid curves of chosen runs (or of seed groups, mean ± std), EMA smoothing, and
// the params that tell the runs apart.

import type { RunSummary, Tracker } from '@ftlab/tracker';
import type { Metadata } from 'next';
import Link from 'next/link';
import { CompareChart } from '../../charts/compare-chart';
import type { LineSeries, ReferenceLine } from '../../charts/series';
import { AutoRefresh } from '../../components/auto-refresh';
import { BenchmarkPanel } from '../../components/compare/benchmark-panel';
import { CompareControls } from '../../components/compare/compare-controls';
import { CompareSummary } from '../../components/compare/compare-summary';
import { DatabaseProblemView } from '../../components/database-problem';
import { EmptyState } from '../../components/empty-state';
import { Warnings } from '../../components/warnings';
import { benchmarkHistory, benchmarkTable } from '../../lib/benchmarks';
import {
  type CompareView,
  chooseMetric,
  compareHref,
  MAX_COMPARE_RUNS,
  parseCompareView,
} from '../../lib/compare-view';
import { configGroups, differingParams } from '../../lib/config-diff';
import { CURVE_POINTS, groupCurveToSeries, loadSeries } from '../../lib/curves';
import { loadFromTracker } from '../../lib/database';
import { formatNumber } from '../../lib/format';
import { NATS_PER_BIT, PARAM, REFRESH_ACTIVE_MS, REFRESH_IDLE_MS } from '../../lib/keys';
import { isBaselineVariant, runVariant } from '../../lib/run-row';
import type { SearchParams } from '../../lib/search-params';
import { unitOf } from '../../lib/units';

export const metadata: Metadata = { title: 'Compare' };

/** Run names, made unique with a short id where two runs share one. */
function runLabels(runs: RunSummary[]): string[] {
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.name, (counts.get(run.name) ?? 0) + 1);
  return runs.map((run) => ((counts.get(run.name) ?? 0) > 1 ? `${run.name} (${run.id.slice(0, 6)})` : run.name));
}

/** κ lines on a KL-in-bits chart: one per distinct κ among the latent runs. */
function kappaLines(metric: string, runs: RunSummary[]): ReferenceLine[] {
  if (!metric.includes('kl_bits')) return [];
  const kappas = new Set<number>();
  for (const run of runs) {
    const kappa = run.params[PARAM.kappaNats]?.number;
    if (kappa !== undefined && kappa !== null && !isBaselineVariant(runVariant(run))) kappas.add(kappa / NATS_PER_BIT);
  }
  return [...kappas].slice(0, 6).map((bits) => ({ label: `κ = ${formatNumber(bits, 3)} bits`, value: bits }));
}

async function loadComparison(tracker: Tracker, view: CompareView) {
  const list = await tracker.listRuns({ ids: view.runIds, limit: MAX_COMPARE_RUNS });
  const byId = new Map(list.runs.map((run) => [run.id, run]));
  const runs = view.runIds.map((id) => byId.get(id)).filter((run): run is RunSummary => run !== undefined);
  const missing = view.runIds.filter((id) => !byId.has(id));
  const keys = (await Promise.all(runs.map((run) => tracker.metricKeys(run.id)))).flat();
  const metrics = [...new Set(keys)].sort();
  const metric = chooseMetric(view.metric, metrics);
  const notes: string[] = missing.map((id) => `No run with id ${id} in this database.`);
  const series: LineSeries[] = [];
  if (metric !== '') {
    if (view.grouping === 'config') {
      for (const { runs: group, label } of configGroups(runs)) {
        const curve = await tracker.groupCurves({ runIds: group.map((run) => run.id) }, metric, {
          maxPoints: CURVE_POINTS,
        });
        if (curve.points.length === 0) continue;
        series.push(groupCurveToSeries(curve, `${label} (${group.length} run${group.length > 1 ? 's' : ''})`));
      }
    } else {
      const labels = runLabels(runs);
      for (const [index, run] of runs.entries()) {
        const loaded = await loadSeries(tracker, run.id, { key: metric, label: labels[index] });
        if (loaded) series.push(loaded.series);
        else notes.push(`${run.name} has no ${metric} points.`);
      }
    }
  }
  return { runs, metrics, metric, series, notes, benchmarks: await loadBenchmarks(tracker, runs, view) };
}

/** The benchmark table and one benchmark over steps. */
async function loadBenchmarks(tracker: Tracker, runs: RunSummary[], view: CompareView) {
  const evaluations = await tracker.listEvaluations({ ids: runs.map((run) => run.id) });
  const table = benchmarkTable(runs, evaluations, view.grouping);
  const keys = table.rows.map((row) => row.key);
  const chosen = keys.includes(view.benchmark) ? view.benchmark : (keys[0] ?? '');
  return { table, chosen, history: benchmarkHistory(runs, evaluations, chosen, runLabels(runs)) };
}

export default async function ComparePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = parseCompareView(await searchParams);
  if (view.runIds.length === 0) {
    return (
      <>
        <div className="page-head">
          <h1>Compare</h1>
        </div>
        <Warnings warnings={view.warnings} />
        <EmptyState title="Choose runs to compare">
          <p>
            Tick runs on the <Link href="/">Runs</Link> page and press <em>Compare selected</em>, or open{' '}
            <code>/compare?runs=id1,id2</code>. Up to {MAX_COMPARE_RUNS} runs.
          </p>
        </EmptyState>
      </>
    );
  }
  const loaded = await loadFromTracker((tracker) => loadComparison(tracker, view));
  if (!loaded.ok) return <DatabaseProblemView problem={loaded.problem} />;
  const { runs, metrics, metric, series, notes, benchmarks } = loaded.data;
  const active = runs.some((run) => run.status === 'RUNNING' || run.status === 'PENDING');
  const differing = differingParams(
    runs.map((run) => run.params),
    false,
  );

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Compare</h1>
          <div className="sub">
            {runs.length} run{runs.length === 1 ? '' : 's'}
            {view.grouping === 'config' ? ', grouped by config hash (seeds pooled)' : ''}
          </div>
        </div>
        <AutoRefresh intervalMs={active ? REFRESH_ACTIVE_MS : REFRESH_IDLE_MS} />
      </div>
      <Warnings warnings={[...view.warnings, ...notes]} />
      {runs.length === 0 ? (
        <EmptyState title="None of these runs exists in this database">
          <p>
            Go back to the <Link href="/">Runs</Link> page and pick again.
          </p>
        </EmptyState>
      ) : metrics.length === 0 ? (
        <EmptyState title="These runs have no metrics yet">
          <p>Curves appear as soon as training logs its first steps; this page refreshes by itself.</p>
        </EmptyState>
      ) : (
        <>
          <div className="panel">
            <CompareControls view={view} metric={metric} metrics={metrics} />
          </div>
          <CompareChart
            series={series}
            yName={unitOf(metric) || metric}
            references={kappaLines(metric, runs)}
            initialSmoothing={view.smoothing}
          />
          <CompareSummary runs={runs} differing={differing} metric={metric} />
          <BenchmarkPanel
            table={benchmarks.table}
            chosen={benchmarks.chosen}
            history={benchmarks.history}
            hrefFor={(key) => compareHref(view, { bench: key })}
          />
        </>
      )}
    </>
  );
}
