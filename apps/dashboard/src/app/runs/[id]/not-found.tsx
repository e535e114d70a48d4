import Link from 'next/link';

export default function RunNotFound() {
  return (
    <div className="panel empty" data-testid="not-found">
      <h1>No such run</h1>
      <p>This tracker has no run with that id. It may belong to another database (see the path at the top right).</p>
      <p>
        <Link href="/">← Back to all runs</Link>
      </p>
    </div>
  );
}
