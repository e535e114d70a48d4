import Link from 'next/link';
import { formatCount, formatDuration, formatNumber } from '../../lib/format';
import { COLLAPSE_THRESHOLD_BITS } from '../../lib/keys';
import type { RunRow } from '../../lib/run-row';
import type { RunSortKey, RunsView } from '../../lib/runs-view';
import { StepProgress } from '../progress';
import { CollapseMarker, SilentMarker, StatusBadge } from '../status-badge';
import { Tags } from '../tags';
import { SortHeader } from './sort-header';

/** The columns between the tick box and the duration, each sorting by its field. */
const SORTABLE_COLUMNS: Array<{ sort: RunSortKey; label: string; numeric?: boolean; title?: string }> = [
  { sort: 'status', label: 'Status' },
  { sort: 'name', label: 'Name' },
  { sort: 'variant', label: 'Variant' },
  { sort: 'kappa', label: 'κ bits', numeric: true, title: 'free-bits budget per token, in bits' },
  { sort: 'H', label: 'H', numeric: true, title: 'latent bits per token' },
  { sort: 'placement', label: 'm', numeric: true, title: 'encoder placement: Z enters after block m' },
  { sort: 'seed', label: 'Seed', numeric: true },
  { sort: 'step', label: 'Step', numeric: true },
  { sort: 'loss', label: 'Loss', numeric: true, title: 'latest train/loss (nats/token)' },
  { sort: 'elbo', label: 'ELBO', numeric: true, title: 'latest val/elbo NLL bound (nats/token)' },
  { sort: 'priorCe', label: 'Prior CE', numeric: true, title: 'latest val/prior_ce (nats/token)' },
  { sort: 'kl', label: 'KL bits', numeric: true, title: 'latest train/kl_bits per token' },
  { sort: 'tokensPerSec', label: 'Tokens/s', numeric: true },
];

/**
 * The run list. It is also a GET form to /compare: ticking runs and pressing Compare opens
 * /compare?runs=a,b (the compare page accepts repeated `runs` values too).
 */
export function RunsTable({ rows, view }: { rows: RunRow[]; view: RunsView }) {
  return (
    <form method="get" action="/compare" data-testid="runs-form">
      <div className="toolbar">
        <button type="submit" data-testid="compare-selected">
          Compare selected
        </button>
        <span className="muted small">Tick runs, then compare their curves side by side.</span>
      </div>
      <div className="panel tight table-scroll">
        <table className="data" data-testid="runs-table">
          <thead>
            <tr>
              <th aria-label="select" />
              {SORTABLE_COLUMNS.map((column) => (
                <SortHeader key={column.sort} view={view} {...column} />
              ))}
              <th className="num">Duration</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid="run-row" data-run-id={row.id}>
                <td>
                  <input type="checkbox" name="runs" value={row.id} aria-label={`select ${row.name}`} />
                </td>
                <td>
                  <StatusBadge status={row.status} title={row.failureReason} />
                  {row.silentForMs !== null ? <SilentMarker runId={row.id} silentForMs={row.silentForMs} /> : null}
                </td>
                <td>
                  <Link href={`/runs/${row.id}`} data-testid="run-name">
                    {row.name}
                  </Link>
                  {row.collapsed ? <CollapseMarker klBits={row.klBits} threshold={COLLAPSE_THRESHOLD_BITS} /> : null}
                  <div>
                    <Tags tags={row.tags} />
                  </div>
                </td>
                <td className="nowrap">{row.variant ?? '-'}</td>
                <td className="num">{row.hasLatent ? formatNumber(row.kappaBits, 3) : '-'}</td>
                <td className="num">{row.hasLatent ? formatNumber(row.latentBits) : '-'}</td>
                <td className="num">{row.hasLatent ? formatNumber(row.encoderPlacement) : '-'}</td>
                <td className="num">{formatNumber(row.seed)}</td>
                <td className="num">
                  <StepProgress lastStep={row.lastStep} totalSteps={row.totalSteps} />
                </td>
                <td className="num">{formatNumber(row.loss)}</td>
                <td className="num">{formatNumber(row.elbo)}</td>
                <td className="num">{formatNumber(row.priorCe)}</td>
                <td className="num">{row.hasLatent ? formatNumber(row.klBits, 3) : '-'}</td>
                <td className="num">{formatCount(row.tokensPerSec)}</td>
                <td className="num nowrap">{formatDuration(row.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </form>
  );
}
