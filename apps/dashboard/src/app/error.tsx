'use client';
// Unexpected errors only (a missing or corrupt database has its own page). In production Next
// hides the message from the browser; the digest matches the line in the dashboard's log.
import Link from 'next/link';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="panel" data-testid="error-page">
      <h1>Something went wrong on this page</h1>
      <p>
        The dashboard hit an unexpected error. The terminal running <code>ftlab dashboard</code> shows the details
        {error.digest ? (
          <>
            {' '}
            (look for <code>{error.digest}</code>)
          </>
        ) : null}
        .
      </p>
      <div className="toolbar">
        <button type="button" onClick={reset}>
          Try again
        </button>
        <Link href="/">Back to all runs</Link>
      </div>
    </div>
  );
}
