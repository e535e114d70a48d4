import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { databasePath, displayLocation } from '../lib/database';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Free Transformer Lab', template: '%s · Free Transformer Lab' },
  description: 'Runs, comparisons and sweeps of baseline and Free Transformer models.',
};

// Every page reads the live tracker: never prerender at build time.
export const dynamic = 'force-dynamic';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            Free Transformer Lab
          </Link>
          <nav>
            <Link href="/">Runs</Link>
            <Link href="/compare">Compare</Link>
            <Link href="/sweeps">Sweeps</Link>
          </nav>
          <span className="db" title="The tracker database this dashboard reads (FTLAB_DB)">
            {displayLocation(databasePath())}
          </span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
