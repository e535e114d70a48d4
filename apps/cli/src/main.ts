#!/usr/bin/env node
// Entry point of the `ftlab` command.
import { ConfigError } from '@ftlab/training';
import { buildProgram, INVALID_INPUT_EXIT_CODE } from './program.js';

function report(error: unknown, json: boolean): number {
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: message, type: (error as Error)?.name })}\n`);
  else process.stderr.write(`ftlab: ${message}\n`);
  if (process.env.FTLAB_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return error instanceof ConfigError ? INVALID_INPUT_EXIT_CODE : 1;
}

// A reader that stops early (`ftlab export ... | head`) closes the pipe: that ends the output,
// it is not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const json = process.argv.includes('--json');
const program = buildProgram((action) => {
  action().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = report(error, json);
    },
  );
});
program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = report(error, json);
});
