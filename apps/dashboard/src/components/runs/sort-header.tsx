import Link from 'next/link';
import { type RunSortKey, type RunsView, runsViewHref } from '../../lib/runs-view';

/** A column header that sorts by its field; a second click reverses the order. */
export function SortHeader({
  view,
  sort,
  label,
  numeric = false,
  title,
}: {
  view: RunsView;
  sort: RunSortKey;
  label: string;
  numeric?: boolean;
  title?: string;
}) {
  const active = view.sort === sort;
  const descending = active ? !view.descending : sort === 'created';
  const arrow = active ? (view.descending ? ' ▼' : ' ▲') : '';
  return (
    <th
      className={numeric ? 'num' : undefined}
      title={title}
      aria-sort={active ? (view.descending ? 'descending' : 'ascending') : undefined}
    >
      <Link
        href={runsViewHref(view, { sort, descending, page: 1 })}
        className={active ? 'sorted' : undefined}
        scroll={false}
      >
        {label}
        {arrow}
      </Link>
    </th>
  );
}
