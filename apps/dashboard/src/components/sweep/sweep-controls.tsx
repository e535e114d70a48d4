import { axisTitle } from '../../lib/sweep-grid';
import type { SweepView } from '../../lib/sweep-view';
import { AutoSubmitForm } from '../auto-submit-form';
import { MetricSelect } from '../metric-select';

function AxisSelect({
  name,
  value,
  axes,
  label,
  allowNone,
}: {
  name: string;
  value: string;
  axes: string[];
  label: string;
  allowNone?: boolean;
}) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value} data-testid={`select-${name}`}>
        {allowNone ? <option value="">none</option> : null}
        {axes.map((axis) => (
          <option key={axis} value={axis}>
            {axisTitle(axis)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function SweepControls({
  sweepId,
  view,
  axes,
  metrics,
}: {
  sweepId: string;
  view: SweepView;
  axes: string[];
  metrics: string[];
}) {
  return (
    <AutoSubmitForm action={`/sweeps/${sweepId}`} testId="sweep-controls">
      <MetricSelect label="Metric (latest value per run)" value={view.metric} metrics={metrics} />
      <AxisSelect name="x" value={view.x} axes={axes} label="Heatmap x" />
      <AxisSelect name="y" value={view.y} axes={axes} label="Heatmap y" />
      <div className="control">
        Heatmap shows
        <div className="checks">
          <label>
            <input type="radio" name="mode" value="value" defaultChecked={view.mode === 'value'} />
            value
          </label>
          <label>
            <input type="radio" name="mode" value="delta" defaultChecked={view.mode === 'delta'} />
            difference to baseline
          </label>
        </div>
      </div>
      <AxisSelect name="line" value={view.line} axes={axes} label="Line plot along" />
      <AxisSelect name="series" value={view.series} axes={axes} label="One line per" allowNone />
      <noscript>
        <button type="submit">Show</button>
      </noscript>
    </AutoSubmitForm>
  );
}
