import type { Artifact } from '@ftlab/tracker';
import { formatBytes, formatTime } from '../../lib/format';

export function ArtifactsTable({ artifacts }: { artifacts: Artifact[] }) {
  return (
    <div className="panel" data-testid="artifacts">
      <h2>Artifacts</h2>
      {artifacts.length === 0 ? (
        <p className="muted">No artifacts (checkpoints, results files) recorded.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Path</th>
              <th className="num">Size</th>
              <th>SHA-256</th>
              <th>Recorded</th>
            </tr>
          </thead>
          <tbody>
            {artifacts.map((a) => (
              <tr key={`${a.kind}:${a.path}`}>
                <td>{a.kind}</td>
                <td className="mono" style={{ wordBreak: 'break-all' }}>
                  {a.path}
                </td>
                <td className="num">{formatBytes(a.bytes)}</td>
                <td className="mono small" title={a.sha256 ?? undefined}>
                  {a.sha256 ? a.sha256.slice(0, 12) : '-'}
                </td>
                <td className="nowrap small">{formatTime(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
