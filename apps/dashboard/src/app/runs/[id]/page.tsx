// Run: everything about one run: header, curves, evaluations, generations, config, environment.
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { AutoRefresh } from '../../../components/auto-refresh';
import { DatabaseProblemView } from '../../../components/database-problem';
import { ArtifactsTable } from '../../../components/run/artifacts-table';
import { ConfigPanel } from '../../../components/run/config-panel';
import { EnvironmentPanel } from '../../../components/run/environment-panel';
import { EvaluationsTable } from '../../../components/run/evaluations-table';
import { GenerationsPanel } from '../../../components/run/generations-panel';
import { NotesPanel } from '../../../components/run/notes-panel';
import { RunCharts } from '../../../components/run/run-charts';
import { RunHeader } from '../../../components/run/run-header';
import { type IdParams, pageId } from '../../../lib/by-id';
import { loadFromTracker, nullIfUnknown } from '../../../lib/database';
import { PARAM, REFRESH_ACTIVE_MS, REFRESH_IDLE_MS } from '../../../lib/keys';
import { loadRunCharts } from '../../../lib/run-charts';
import { toRunRow } from '../../../lib/run-row';
import { loadZSheet } from '../../../lib/z-sheet';

export const metadata: Metadata = { title: 'Run' };

export default async function RunPage({ params }: { params: IdParams }) {
  const id = await pageId(params);
  const loaded = await loadFromTracker(async (tracker) => {
    const run = await nullIfUnknown(tracker.getRun(id), 'UNKNOWN_RUN');
    if (run === null) return null;
    const [keys, sweep] = await Promise.all([
      tracker.metricKeys(id),
      run.sweepId ? tracker.getSweep(run.sweepId) : Promise.resolve(null),
    ]);
    const charts = await loadRunCharts(tracker, run, keys);
    return { run, sweep, charts };
  });
  if (!loaded.ok) return <DatabaseProblemView problem={loaded.problem} />;
  if (loaded.data === null) notFound();
  const { run, sweep, charts } = loaded.data;
  const row = toRunRow(run, Date.now());
  const sheet = await loadZSheet(run, loaded.path);
  const isToy = run.params[PARAM.dataKind]?.text === 'toy';
  const active = run.status === 'RUNNING' || run.status === 'PENDING';

  return (
    <>
      <div className="toolbar" style={{ justifyContent: 'flex-end', marginTop: 0 }}>
        <AutoRefresh intervalMs={active ? REFRESH_ACTIVE_MS : REFRESH_IDLE_MS} />
      </div>
      <RunHeader run={run} row={row} sweep={sweep} />
      <RunCharts charts={charts} status={run.status} />
      <GenerationsPanel sheet={sheet} isToy={isToy} />
      <EvaluationsTable evaluations={run.evaluations} />
      <div className="grid-2">
        <ConfigPanel run={run} />
        <div>
          <EnvironmentPanel run={run} />
          <NotesPanel notes={run.notes} tags={run.tags} />
        </div>
      </div>
      <ArtifactsTable artifacts={run.artifacts} />
    </>
  );
}
