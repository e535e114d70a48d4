import type { CompareView } from '../../lib/compare-view';
import { AutoSubmitForm } from '../auto-submit-form';
import { MetricSelect } from '../metric-select';

/** Metric and grouping; the selected runs and smoothing ride along as hidden fields. */
export function CompareControls({ view, metric, metrics }: { view: CompareView; metric: string; metrics: string[] }) {
  return (
    <AutoSubmitForm action="/compare" testId="compare-controls">
      <input type="hidden" name="runs" value={view.runIds.join(',')} />
      {view.smoothing > 0 ? <input type="hidden" name="ema" value={view.smoothing} /> : null}
      <MetricSelect label="Metric" value={metric} metrics={metrics} />
      <div className="control">
        Curves
        <div className="checks">
          <label>
            <input type="radio" name="group" value="runs" defaultChecked={view.grouping === 'runs'} />
            one per run
          </label>
          <label>
            <input type="radio" name="group" value="config" defaultChecked={view.grouping === 'config'} />
            mean ± std over seeds (by config hash)
          </label>
        </div>
      </div>
      <noscript>
        <button type="submit">Show</button>
      </noscript>
    </AutoSubmitForm>
  );
}
