/** A select of metric keys, for the forms of the compare and sweep pages. */
export function MetricSelect({ label, value, metrics }: { label: string; value: string; metrics: string[] }) {
  return (
    <label>
      {label}
      <select name="metric" defaultValue={value} data-testid="select-metric">
        {metrics.map((key) => (
          <option key={key} value={key}>
            {key}
          </option>
        ))}
      </select>
    </label>
  );
}
