import Link from 'next/link';

export default function SweepNotFound() {
  return (
    <div className="panel empty" data-testid="not-found">
      <h1>No such sweep</h1>
      <p>This tracker has no sweep with that id.</p>
      <p>
        <Link href="/sweeps">← All sweeps</Link>
      </p>
    </div>
  );
}
