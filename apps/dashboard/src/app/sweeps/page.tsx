// Sweeps: every sweep with its progress by status.
import { FAILED_RUN_STATUSES } from '@ftlab/contract';
import type { RunFilter, Sweep, Tracker } from '@ftlab/tracker';
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../components/auto-refresh';
import { DatabaseProblemView } from '../../components/database-problem';
import { EmptyState } from '../../components/empty-state';
import { StatusBadge } from '../../components/status-badge';
import { loadFromTracker } from '../../lib/database';
import { formatTime } from '../../lib/format';
import { REFRESH_ACTIVE_MS, REFRESH_IDLE_MS } from '../../lib/keys';

export const metadata: Metadata = { title: 'Sweeps' };

interface SweepRow {
  sweep: Sweep;
  total: number;
  finished: number;
  running: number;
  pending: number;
  failed: number;
}

async function countRuns(tracker: Tracker, sweep: Sweep): Promise<SweepRow> {
  const count = async (status?: RunFilter['status']) =>
    (await tracker.listRuns({ sweepId: sweep.id, limit: 1, paramKeys: [], ...(status ? { status } : {}) })).total;
  const [total, finished, running, pending, failed] = await Promise.all([
    count(),
    count('FINISHED'),
    count('RUNNING'),
    count('PENDING'),
    count([...FAILED_RUN_STATUSES]),
  ]);
  return { sweep, total, finished, running, pending, failed };
}

export default async function SweepsPage() {
  const loaded = await loadFromTracker(async (tracker) => {
    const sweeps = await tracker.listSweeps();
    return Promise.all([...sweeps].reverse().map((sweep) => countRuns(tracker, sweep)));
  });
  if (!loaded.ok) return <DatabaseProblemView problem={loaded.problem} />;
  const rows = loaded.data;
  const active = rows.some((row) => row.running + row.pending > 0);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Sweeps</h1>
          <div className="sub">Grids and random searches over κ, H, placement and seeds, newest first.</div>
        </div>
        <AutoRefresh intervalMs={active ? REFRESH_ACTIVE_MS : REFRESH_IDLE_MS} />
      </div>
      {rows.length === 0 ? (
        <EmptyState
          title="No sweeps yet"
          commands={[
            {
              command: 'npx ftlab sweep experiments/toy-kappa-sweep.yaml',
              comment: "the paper's toy kappa sweep",
            },
            { command: 'npm run demo', comment: 'a quick ablation with baselines, ~10 min' },
          ]}
        >
          <p>A sweep expands a base config over axes (κ, H, placement, seeds) and trains every run.</p>
        </EmptyState>
      ) : (
        <div className="panel tight">
          <table className="data" data-testid="sweeps-table">
            <thead>
              <tr>
                <th>Sweep</th>
                <th>Status</th>
                <th>Method</th>
                <th className="num">Runs</th>
                <th className="num">Finished</th>
                <th className="num">Running</th>
                <th className="num">Pending</th>
                <th className="num">Failed / crashed / killed</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.sweep.id}>
                  <td>
                    <Link href={`/sweeps/${row.sweep.id}`}>{row.sweep.name}</Link>
                  </td>
                  <td>
                    <StatusBadge status={row.sweep.status} />
                  </td>
                  <td>{row.sweep.method}</td>
                  <td className="num">{row.total}</td>
                  <td className="num">{row.finished}</td>
                  <td className="num">{row.running}</td>
                  <td className="num">{row.pending}</td>
                  <td className="num">{row.failed}</td>
                  <td className="small nowrap">{formatTime(row.sweep.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
