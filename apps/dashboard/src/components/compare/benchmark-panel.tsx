// The chosen runs' benchmarks (see lib/benchmarks.ts): tasks x metrics by runs or configurations,
// with stderr or spread across seeds, paired differences to the baseline, and one benchmark's
// values over the evaluated steps.
import Link from 'next/link';
import { MetricChart } from '../../charts/metric-chart';
import type { LineSeries } from '../../charts/series';
import type { BenchmarkCell, BenchmarkTable } from '../../lib/benchmarks';
import { fixed, PairedDelta } from '../paired-delta';

function Cell({ cell, grouped }: { cell: BenchmarkCell; grouped: boolean }) {
  if (cell.value === null) return <td className="num faint">—</td>;
  const delta = cell.delta;
  return (
    <td className="num" data-significant={delta?.significant ? '1' : undefined}>
      <div>
        {fixed(cell.value)}
        {cell.spread !== null ? <span className="muted"> ± {fixed(cell.spread)}</span> : null}
        <span className="faint small"> {grouped ? `${cell.n} seed${cell.n === 1 ? '' : 's'}` : `n=${cell.n}`}</span>
      </div>
      {delta && delta.n > 0 ? (
        <PairedDelta
          delta={delta}
          testId="benchmark-delta"
          title={`mean paired difference to the baseline over ${delta.n} seed(s), 95% interval`}
          noInterval=" (one seed: no interval)"
        />
      ) : null}
    </td>
  );
}

export function BenchmarkPanel({
  table,
  chosen,
  hrefFor,
  history,
}: {
  table: BenchmarkTable;
  /** The row whose values over steps are drawn ('' when there is none). */
  chosen: string;
  hrefFor: (key: string) => string;
  history: LineSeries[];
}) {
  const grouped = table.grouping === 'config';
  return (
    <div className="panel" data-testid="benchmark-panel">
      <h2>Benchmarks</h2>
      {table.rows.length === 0 ? (
        <p className="muted">
          These runs have no evaluations yet: <code>ftlab eval &lt;run&gt;</code> records them.
        </p>
      ) : (
        <>
          <p className="small muted">
            {grouped
              ? 'Each configuration: mean over its seeds ± their standard deviation; below it, the mean difference to the baseline paired by seed ± the half-width of its 95% interval (* where the interval excludes 0).'
              : "Each run: its latest evaluated value ± the evaluation's standard error, and the items behind it."}{' '}
            Pick a row to draw it over the evaluated steps.
          </p>
          <div className="table-scroll">
            <table className="data" data-testid="benchmark-table">
              <thead>
                <tr>
                  <th>Task / metric</th>
                  {table.columns.map((column) => (
                    <th key={column.runIds.join(',')} className="num">
                      {column.label}
                      {column.isBaseline ? <span className="faint"> (baseline)</span> : null}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row) => (
                  <tr key={row.key} data-testid="benchmark-row" data-key={row.key} aria-selected={row.key === chosen}>
                    <td className="mono">
                      <Link href={hrefFor(row.key)}>{row.key}</Link>
                    </td>
                    {row.cells.map((cell, i) => (
                      <Cell key={table.columns[i]?.runIds.join(',')} cell={cell} grouped={grouped} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {chosen !== '' && history.some((series) => series.points.length > 0) ? (
            <MetricChart
              title={`${chosen} over the evaluated steps`}
              series={history}
              yName={chosen}
              testId="benchmark-history"
              caption="One point per evaluation of each run (training records one at its last step; ftlab eval adds more)."
            />
          ) : null}
        </>
      )}
    </div>
  );
}
