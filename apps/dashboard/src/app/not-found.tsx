import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="panel empty" data-testid="not-found">
      <h1>Page not found</h1>
      <p>Nothing lives at this address.</p>
      <p>
        <Link href="/">← Back to all runs</Link>
      </p>
    </div>
  );
}
