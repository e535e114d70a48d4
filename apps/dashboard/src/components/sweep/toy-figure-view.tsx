import type { ToyFigure, ToyFigureGroup, ToyFigureLine, ToyFigurePanel } from '@ftlab/evaluation/report';

function percent(value: number): string {
  return Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : 'n/a';
}

interface Segment {
  at: number;
  kind: string;
  text: string;
}

/** The body cut into runs of one kind: block letters, noise, blanks, the block's first letter. */
function segments(line: ToyFigureLine): Segment[] {
  const out: Segment[] = [];
  [...line.body].forEach((c, at) => {
    const kind =
      line.blockStart === at
        ? 'block block-start'
        : c === '!'
          ? 'noise'
          : c === '_'
            ? 'blank'
            : c === line.letter
              ? 'block'
              : 'other';
    const last = out[out.length - 1];
    if (last && last.kind === kind && kind !== 'block block-start') last.text += c;
    else out.push({ at, kind, text: c });
  });
  return out;
}

/** One body: block letters blue (the start underlined), noise red, blanks grey. */
function Body({ line }: { line: ToyFigureLine }) {
  return (
    <>
      {line.letter}&gt;
      {segments(line).map((segment) => (
        <span key={segment.at} className={segment.kind}>
          {segment.text}
        </span>
      ))}
      {'\n'}
    </>
  );
}

function Groups({ title, groups }: { title: string; groups: ToyFigureGroup[] }) {
  return (
    <>
      <span className="group-head">{`${title}\n`}</span>
      {groups.map((group, g) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: groups are in the study's fixed order
        <span key={g}>
          <span className="group-head">{`# group ${g + 1}${group.codes ? ` (Z ${group.codes.join(' ')} ...)` : ''}\n`}</span>
          {group.lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: generations are in the study's fixed order
            <Body key={i} line={line} />
          ))}
        </span>
      ))}
    </>
  );
}

function Panel({ panel }: { panel: ToyFigurePanel }) {
  return (
    <div className="figure-panel" data-testid="figure-panel" data-column={panel.label}>
      <h3>{panel.label}</h3>
      <div className="small muted">
        run <a href={`/runs/${panel.runId}`}>{panel.runId}</a> · block-start agreement pinned{' '}
        {percent(panel.blockStartAgreement.pinned)}, independent {percent(panel.blockStartAgreement.independent)}
        {panel.pValue === null ? '' : ` · p = ${panel.pValue < 0.001 ? '< 0.001' : panel.pValue.toPrecision(2)}`}
      </div>
      <pre className="figure">
        <Groups title="pinned Z (one Z per group)" groups={panel.pinned} />
        <Groups title="independent Z" groups={panel.independent} />
      </pre>
    </div>
  );
}

/** The sweep's toy figure: one panel per comparison column, side by side. */
export function ToyFigureView({ figure }: { figure: ToyFigure }) {
  return (
    <>
      <div className="figure-panels" data-testid="figure-panels">
        {figure.panels.map((panel) => (
          <Panel key={panel.label} panel={panel} />
        ))}
      </div>
      {figure.missing.length > 0 ? (
        <div className="notice small" data-testid="figure-missing">
          {figure.missing.map((m) => (
            <div key={m}>Not drawn: {m}</div>
          ))}
        </div>
      ) : null}
    </>
  );
}
