'use client';
// Re-renders the page's server components every few seconds (router.refresh keeps client state:
// chart zoom, ticked checkboxes, typed filters), so a running sweep's new runs and points appear
// without a reload. Paused while the tab is hidden, or by the user.
import { useRouter } from 'next/navigation';
import { useEffect, useState, useTransition } from 'react';

export function AutoRefresh({ intervalMs, label = 'live' }: { intervalMs: number; label?: string }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  const [refreshing, startTransition] = useTransition();

  useEffect(() => {
    if (paused) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      startTransition(() => {
        router.refresh();
        setUpdatedAt(new Date().toLocaleTimeString());
      });
    }, intervalMs);
    return () => window.clearInterval(timer);
  }, [paused, intervalMs, router]);

  return (
    <span className={`live ${paused ? 'paused' : ''}`} data-testid="auto-refresh">
      <span className="dot" />
      {paused ? 'paused' : `${label}, every ${Math.round(intervalMs / 1000)} s`}
      {updatedAt && !paused ? <span className="faint">{refreshing ? 'updating…' : `updated ${updatedAt}`}</span> : null}
      <button type="button" className="secondary" onClick={() => setPaused((p) => !p)}>
        {paused ? 'resume' : 'pause'}
      </button>
    </span>
  );
}
