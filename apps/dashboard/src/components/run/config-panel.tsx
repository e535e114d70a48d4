import type { RunDetail } from '@ftlab/tracker';

/** The run's resolved config as flattened params (searchable by eye), and as the stored JSON. */
export function ConfigPanel({ run }: { run: RunDetail }) {
  const params = Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="panel" data-testid="config-panel">
      <h2>Config</h2>
      <div className="muted small" style={{ marginBottom: 6 }}>
        hash <span className="mono">{run.configHash.slice(0, 16)}</span> (runs differing only by seed share it)
      </div>
      {params.length > 0 ? (
        <div style={{ maxHeight: 360, overflow: 'auto' }}>
          <table className="kv">
            <tbody>
              {params.map(([key, value]) => (
                <tr key={key}>
                  <th className="mono">{key}</th>
                  <td className="mono">{value.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No params logged.</p>
      )}
      <details>
        <summary>config as stored (JSON)</summary>
        <pre className="config">{JSON.stringify(run.config, null, 2)}</pre>
      </details>
    </div>
  );
}
