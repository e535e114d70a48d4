import Link from 'next/link';
import { RUNS_PAGE_SIZE, type RunsView, runsViewHref } from '../../lib/runs-view';

export function Pagination({ view, total, shown }: { view: RunsView; total: number; shown: number }) {
  const first = (view.page - 1) * RUNS_PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(total / RUNS_PAGE_SIZE));
  return (
    <div className="toolbar small muted" data-testid="pagination">
      <span data-testid="runs-count">
        {shown === 0 ? `0 of ${total}` : `${first + 1}–${first + shown} of ${total}`} runs
      </span>
      {view.page > 1 ? (
        <Link href={runsViewHref(view, { page: view.page - 1 })} scroll={false}>
          ← previous
        </Link>
      ) : null}
      {view.page < pages ? (
        <Link href={runsViewHref(view, { page: view.page + 1 })} scroll={false}>
          next →
        </Link>
      ) : null}
    </div>
  );
}
