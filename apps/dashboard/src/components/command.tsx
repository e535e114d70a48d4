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

export interface SuggestedCommand {
  command: string;
  comment?: string;
}

export function CommandList({ commands }: { commands: SuggestedCommand[] }) {
  return (
    <div className="commands">
      {commands.map((c) => (
        <Command key={c.command} comment={c.comment}>
          {c.command}
        </Command>
      ))}
    </div>
  );
}
