import type { ColumnVerdict, ComparisonCell, ComparisonTable } from '@ftlab/evaluation/report';
import { type ComparisonResult, TABLE_FORMATS } from '../../lib/comparison';
import { fixed, PairedDelta } from '../paired-delta';

function Cell({ cell }: { cell: ComparisonCell }) {
  if (cell.mean === null) return <td className="num faint">—</td>;
  const delta = cell.delta;
  return (
    <td className="num" data-significant={delta?.significant ? '1' : undefined}>
      <div>{fixed(cell.mean)}</div>
      {delta && delta.n > 0 ? (
        <PairedDelta delta={delta} title={`mean paired difference over ${delta.n} seed(s)`} />
      ) : null}
    </td>
  );
}

function Table({ table }: { table: ComparisonTable }) {
  return (
    <div className="table-scroll">
      <table className="data" data-testid="comparison-table">
        <thead>
          <tr>
            <th>Metric</th>
            {table.columns.map((column) => (
              <th key={column.key} className="num">
                {column.label} <span className="faint">(n={column.seeds.length})</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.key}>
              <td className="mono">{row.key}</td>
              {row.cells.map((cell, index) => (
                <Cell key={table.columns[index]?.key ?? index} cell={cell} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * What each column concludes across its seeds, in words and numbers: the claims that hold in
 * bold, an undecided column's measurements plainly. From the evaluation package (verdicts.ts).
 */
function Verdicts({ verdicts, rule }: { verdicts: ColumnVerdict[]; rule: string }) {
  const shown = verdicts.filter((v) => v.claims.length > 0);
  if (shown.length === 0) return null;
  return (
    <div className="verdicts" data-testid="verdicts">
      <h3>Verdicts across seeds</h3>
      <ul>
        {shown.map((v) => {
          const decided = v.isBaseline ? null : v.claims.some((c) => c.holds);
          return (
            <li
              key={v.column}
              data-testid="verdict-line"
              data-column={v.label}
              data-decided={decided === null ? 'control' : decided ? '1' : '0'}
              className={decided ? 'verdict decided' : 'verdict'}
            >
              {v.summary}
            </li>
          );
        })}
      </ul>
      <div className="small muted">How it decides: {rule}.</div>
    </div>
  );
}

const SHOWN_WARNINGS = 3;
const LISTED_WARNINGS = 50;

/** Runs left out of the deltas: the first few, the rest behind a disclosure (a sweep may have hundreds). */
function TableWarnings({ warnings }: { warnings: string[] }) {
  if (warnings.length === 0) return null;
  const rest = warnings.slice(SHOWN_WARNINGS, LISTED_WARNINGS);
  return (
    <div className="notice small" style={{ marginTop: 8 }} data-testid="comparison-warnings">
      {warnings.slice(0, SHOWN_WARNINGS).map((warning) => (
        <div key={warning}>{warning}</div>
      ))}
      {rest.length > 0 ? (
        <details>
          <summary>{warnings.length - SHOWN_WARNINGS} more</summary>
          {rest.map((warning) => (
            <div key={warning}>{warning}</div>
          ))}
          {warnings.length > LISTED_WARNINGS ? <div>… and {warnings.length - LISTED_WARNINGS} more.</div> : null}
        </details>
      ) : null}
    </div>
  );
}

/** The evaluation package's paper-style table, with its downloads. */
export function ComparisonPanel({ sweepId, result }: { sweepId: string; result: ComparisonResult }) {
  return (
    <div className="panel" data-testid="comparison-panel">
      <div className="page-head" style={{ marginBottom: 8 }}>
        <div>
          <h2>Paper-style comparison (evaluations of finished runs)</h2>
          <div className="sub small">
            Mean over seeds; below it the mean difference to the baseline of the same seed ± the half-width of its{' '}
            {result.ok ? Math.round(result.table.level * 100) : 95}% confidence interval (paired t); * the interval
            excludes 0.
          </div>
        </div>
        {result.ok ? (
          <div className="toolbar">
            <a className="button secondary" href={`/sweeps/${sweepId}/figure`} data-testid="figure-link">
              Toy figure
            </a>
            {Object.entries(TABLE_FORMATS).map(([format, { label }]) => (
              <a
                key={format}
                className="button secondary"
                href={`/sweeps/${sweepId}/table?format=${format}`}
                download
                data-testid={`export-${format}`}
              >
                {label}
              </a>
            ))}
          </div>
        ) : null}
      </div>
      {result.ok ? (
        <>
          <Verdicts verdicts={result.table.verdicts} rule={result.table.verdictRule} />
          <Table table={result.table} />
          <TableWarnings warnings={result.table.warnings} />
        </>
      ) : (
        <div className="notice" data-testid="comparison-unavailable">
          {result.message}
          <div className="small muted" style={{ marginTop: 4 }}>
            The table pairs evaluated FINISHED runs with their seed's baseline: run{' '}
            <code>ftlab eval &lt;run-id&gt;</code> on the sweep's runs (the demo does it).
          </div>
        </div>
      )}
    </div>
  );
}
