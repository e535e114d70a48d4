import type { Sweep } from '@ftlab/tracker';
import Form from 'next/form';
import Link from 'next/link';
import { COLLAPSE_THRESHOLD_BITS, RUN_STATUSES, VARIANTS } from '../../lib/keys';
import type { RunsView } from '../../lib/runs-view';

/** One query parameter repeated once per ticked box (`?status=RUNNING&status=FINISHED`). */
function CheckGroup<T extends string>(props: {
  label: string;
  name: string;
  options: readonly T[];
  checked: readonly string[];
  show?: (value: T) => string;
}) {
  return (
    <div className="control">
      {props.label}
      <div className="checks">
        {props.options.map((value) => (
          <label key={value}>
            <input type="checkbox" name={props.name} value={value} defaultChecked={props.checked.includes(value)} />
            {props.show ? props.show(value) : value}
          </label>
        ))}
      </div>
    </div>
  );
}

/** A GET form (client-side navigation): applying filters changes the URL, so the view can be shared. */
export function RunsFilters({ view, sweeps }: { view: RunsView; sweeps: Sweep[] }) {
  const list = (values: number[]) => values.join(',');
  return (
    <Form className="panel filters" action="/" data-testid="runs-filters">
      <label>
        Name contains
        <input type="search" name="q" defaultValue={view.search} placeholder="e.g. kappa=0.5" />
      </label>
      <CheckGroup
        label="Status"
        name="status"
        options={RUN_STATUSES}
        checked={view.statuses}
        show={(status) => status.toLowerCase()}
      />
      <CheckGroup label="Variant" name="variant" options={VARIANTS} checked={view.variants} />
      <label>
        Sweep
        <select name="sweep" defaultValue={view.sweepId}>
          <option value="">any</option>
          {sweeps.map((sweep) => (
            <option key={sweep.id} value={sweep.id}>
              {sweep.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        κ from (bits)
        <input type="number" name="kappa_min" step="any" min="0" defaultValue={view.kappaMinBits ?? ''} />
      </label>
      <label>
        κ to (bits)
        <input type="number" name="kappa_max" step="any" min="0" defaultValue={view.kappaMaxBits ?? ''} />
      </label>
      <label>
        H (bits)
        <input type="text" name="H" size={6} defaultValue={list(view.latentBits)} placeholder="8,16" />
      </label>
      <label>
        Placement m
        <input type="text" name="m" size={6} defaultValue={list(view.placements)} placeholder="2" />
      </label>
      <label>
        Seed
        <input type="text" name="seed" size={6} defaultValue={list(view.seeds)} placeholder="0,1" />
      </label>
      <label>
        Tag
        <input type="text" name="tag" size={10} defaultValue={tagText(view.tag)} placeholder="key:value" />
      </label>
      <div className="control">
        &nbsp;
        <label className="checks" title={`Latest train KL at or below ${COLLAPSE_THRESHOLD_BITS} bits/token`}>
          <input type="checkbox" name="collapsed" value="1" defaultChecked={view.collapsedOnly} />
          collapsed only
        </label>
      </div>
      {view.sort !== 'created' ? <input type="hidden" name="sort" value={view.sort} /> : null}
      {view.descending !== (view.sort === 'created') ? (
        <input type="hidden" name="dir" value={view.descending ? 'desc' : 'asc'} />
      ) : null}
      <div className="toolbar">
        <button type="submit">Apply filters</button>
        <Link href="/" className="button secondary">
          Clear
        </Link>
      </div>
    </Form>
  );
}

function tagText(tag: RunsView['tag']): string {
  if (tag === null) return '';
  return tag.value === true ? tag.key : `${tag.key}:${tag.value}`;
}
