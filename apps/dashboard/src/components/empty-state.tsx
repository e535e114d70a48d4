import type { ReactNode } from 'react';
import { CommandList, type SuggestedCommand } from './command';

/** What a page shows when there is nothing yet, with the commands that make something. */
export function EmptyState({
  title,
  children,
  commands = [],
}: {
  title: string;
  children?: ReactNode;
  commands?: SuggestedCommand[];
}) {
  return (
    <div className="panel empty" data-testid="empty-state">
      <h2>{title}</h2>
      {children}
      {commands.length > 0 ? <CommandList commands={commands} /> : null}
    </div>
  );
}

export const START_COMMANDS: SuggestedCommand[] = [
  { command: 'npm run demo', comment: 'the quick paper-style ablation, ~10 min on 2 cores' },
  { command: 'npx ftlab train experiments/toy-quick.yaml', comment: 'one toy run, a few minutes' },
  { command: 'npx ftlab sweep experiments/toy-kappa-sweep.yaml', comment: "the paper's kappa sweep" },
];
