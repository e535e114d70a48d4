import type { ReactNode } from 'react';

/** A shell command a user can copy, with an optional comment saying what it does. */
export function Command({ children, comment }: { children: string; comment?: ReactNode }) {
  return (
    <code className="command">
      {children}
      {comment ? <span className="comment"> # {comment}</span> : null}
    </code>
  );
}
