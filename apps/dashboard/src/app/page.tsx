// Runs: every run in the tracker, filtered and sorted from the URL.
import Link from 'next/link';
import { AutoRefresh } from '../components/auto-refresh';
import { DatabaseProblemView } from '../components/database-problem';
import { EmptyState, START_COMMANDS } from '../components/empty-state';
import { Pagination } from '../components/runs/pagination';
import { RunsFilters } from '../components/runs/runs-filters';
import { RunsTable } from '../components/runs/runs-table';
import { Warnings } from '../components/warnings';
import { loadFromTracker } from '../lib/database';
import { REFRESH_ACTIVE_MS, REFRESH_IDLE_MS } from '../lib/keys';
import { toRunRow } from '../lib/run-row';
import { hasFilters, parseRunsView, runsQuery } from '../lib/runs-view';
import type { SearchParams } from '../lib/search-params';

export default async function RunsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = parseRunsView(await searchParams);
  const loaded = await loadFromTracker(async (tracker) => {
    const [list, sweeps, anyRun] = await Promise.all([
      tracker.listRuns(runsQuery(view)),
      tracker.listSweeps(),
      tracker.listRuns({ limit: 1, paramKeys: [] }),
    ]);
    return { list, sweeps, totalInDatabase: anyRun.total };
  });
  if (!loaded.ok) return <DatabaseProblemView problem={loaded.problem} />;
  const { list, sweeps, totalInDatabase } = loaded.data;
  const now = Date.now();
  const rows = list.runs.map((run) => toRunRow(run, now));
  const active = rows.some((row) => row.status === 'RUNNING' || row.status === 'PENDING');

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Runs</h1>
          <div className="sub">Baseline and Free Transformer runs, newest first. Filters and sort live in the URL.</div>
        </div>
        <AutoRefresh intervalMs={active ? REFRESH_ACTIVE_MS : REFRESH_IDLE_MS} />
      </div>
      <Warnings warnings={view.warnings} />
      {totalInDatabase === 0 ? (
        <EmptyState title="No runs yet" commands={START_COMMANDS}>
          <p>Start one of these from the repository root; runs appear here while they train.</p>
        </EmptyState>
      ) : (
        <>
          <RunsFilters view={view} sweeps={sweeps} />
          <Pagination view={view} total={list.total} shown={rows.length} />
          {rows.length === 0 ? (
            <EmptyState title="No run matches these filters">
              <p>
                {hasFilters(view) ? <Link href="/">Clear the filters</Link> : null} to see all {totalInDatabase} runs.
              </p>
            </EmptyState>
          ) : (
            <RunsTable rows={rows} view={view} />
          )}
        </>
      )}
    </>
  );
}
