import type { Evaluation } from '@ftlab/tracker';
import { formatNumber } from '../../lib/format';

function noteOf(extra: Evaluation['extra']): string | null {
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) return null;
  const note = (extra as Record<string, unknown>).note;
  return typeof note === 'string' ? note : null;
}

/** Every evaluation result with its standard error and n, latest step first. */
export function EvaluationsTable({ evaluations }: { evaluations: Evaluation[] }) {
  if (evaluations.length === 0) {
    return (
      <div className="panel" data-testid="evaluations">
        <h2>Evaluations</h2>
        <p className="muted">
          None yet. Evaluate a finished run with <code>ftlab eval &lt;run-id&gt;</code>.
        </p>
      </div>
    );
  }
  const rows = [...evaluations].sort(
    (a, b) => b.step - a.step || a.task.localeCompare(b.task) || a.metric.localeCompare(b.metric),
  );
  return (
    <div className="panel tight" data-testid="evaluations">
      <h2 style={{ padding: '12px 16px 0' }}>Evaluations</h2>
      <div className="table-scroll" style={{ maxHeight: 480 }}>
        <table className="data">
          <thead>
            <tr>
              <th className="num">Step</th>
              <th>Task</th>
              <th>Metric</th>
              <th className="num">Value</th>
              <th className="num">± stderr</th>
              <th className="num">n</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={`${e.step}/${e.task}/${e.metric}`}>
                <td className="num">{e.step}</td>
                <td>{e.task}</td>
                <td>{e.metric}</td>
                <td className="num">{e.value === null ? (e.nonFinite ?? '-') : formatNumber(e.value, 5)}</td>
                <td className="num">{formatNumber(e.stderr, 3)}</td>
                <td className="num">{e.n ?? '-'}</td>
                <td className="small muted">{noteOf(e.extra)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
