import type { ZSheet } from '../../lib/z-sheet';

/** The toy study's sheet: groups of generations sharing one pinned Z next to independent-Z ones. */
export function GenerationsPanel({ sheet, isToy }: { sheet: ZSheet; isToy: boolean }) {
  if (!sheet.found && !isToy && sheet.problems.length === 0) return null;
  return (
    <div className="panel" data-testid="generations">
      <h2>Generations: same Z vs independent Z</h2>
      {sheet.found ? (
        <>
          <p className="muted small">
            Within a pinned group every sample shares one Z; if Z encodes the block position, the blocks line up. From{' '}
            {sheet.source}
            {sheet.truncated ? ' (first 256 KiB)' : ''}.
          </p>
          <pre className="sheet" data-testid="z-sheet">
            {sheet.text}
          </pre>
        </>
      ) : (
        <>
          <p className="muted">
            No grouped generations recorded yet. <code>ftlab eval &lt;run-id&gt;</code> runs the toy Z study and stores
            the sheet.
          </p>
          {sheet.problems.map((problem) => (
            <div key={problem} className="notice">
              {problem}
            </div>
          ))}
        </>
      )}
    </div>
  );
}
