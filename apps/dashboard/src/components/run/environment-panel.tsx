import type { RunDetail } from '@ftlab/tracker';

/** Where and with what the run ran: what `ftlab reproduce` needs to match. */
export function EnvironmentPanel({ run }: { run: RunDetail }) {
  const versions = Object.entries(run.packageVersions ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const commit =
    run.gitCommit === null
      ? '-'
      : `${run.gitCommit.slice(0, 12)}${run.gitDirty ? ' (dirty: uncommitted changes)' : ''}`;
  return (
    <div className="panel" data-testid="environment-panel">
      <h2>Environment</h2>
      <table className="kv">
        <tbody>
          <tr>
            <th>Git commit</th>
            <td className="mono" title={run.gitCommit ?? undefined}>
              {commit}
            </td>
          </tr>
          <tr>
            <th>Backend</th>
            <td>{run.backend ?? '-'}</td>
          </tr>
          <tr>
            <th>Host</th>
            <td>{run.host ?? '-'}</td>
          </tr>
          <tr>
            <th>Worker</th>
            <td className="mono">{run.worker ?? '-'}</td>
          </tr>
          <tr>
            <th>Artifacts in</th>
            <td className="mono">{run.artifactRoot ?? '-'}</td>
          </tr>
          {versions.map(([name, version]) => (
            <tr key={name}>
              <th className="mono">{name}</th>
              <td className="mono">{version}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
