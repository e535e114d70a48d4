import { type DatabaseProblem, displayLocation } from '../lib/database';
import { CommandList } from './command';
import { START_COMMANDS } from './empty-state';

const TITLES: Record<DatabaseProblem['kind'], string> = {
  missing: 'No tracker database yet',
  'not-a-database': 'This file is not a readable tracker database',
  'not-a-tracker': 'This SQLite file is not a tracker database',
  schema: 'The database schema does not match this dashboard',
  unreadable: 'The tracker database cannot be read',
};

/** The page shown instead of any content when the database is missing or broken. */
export function DatabaseProblemView({ problem }: { problem: DatabaseProblem }) {
  const shown = displayLocation(problem.path);
  return (
    <div className="panel" data-testid="database-problem" data-kind={problem.kind}>
      <h1>{TITLES[problem.kind]}</h1>
      <p className="mono">{shown}</p>
      <div className={`notice ${problem.kind === 'missing' ? '' : 'error'}`}>
        {problem.message.split(problem.path).join(shown)}
      </div>
      {problem.kind === 'missing' ? (
        <>
          <p>Create it by running something (use the same directory or pass the same --db):</p>
          <CommandList commands={START_COMMANDS} />
          <p className="muted small" style={{ marginTop: 10 }}>
            This page checks again on every load: once the file exists, reload.
          </p>
        </>
      ) : (
        <>
          <p>
            The dashboard only reads this file and has not changed it. Point it at a tracker database, or move this file
            away and start a new one:
          </p>
          <CommandList
            commands={[
              { command: 'npx ftlab dashboard --db path/to/ftlab.db', comment: 'another database' },
              { command: 'npx ftlab train experiments/toy-quick.yaml', comment: 'a new one in this directory' },
            ]}
          />
        </>
      )}
    </div>
  );
}
