// The `ftlab` command line. Every command takes --db, --backend, --threads, --artifacts, --json and --quiet.

import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { BACKEND_NAMES } from '@ftlab/backend';
import { RUN_STATUSES, type RunStatus } from '@ftlab/contract';
import { DEFAULT_MAX_RESUMES } from '@ftlab/tracker';
import { BENCH_CASE_NAMES, benchCommand } from './commands/bench.js';
import { copyCommand } from './commands/copy.js';
import { dashboardCommand } from './commands/dashboard.js';
import { evalCommand } from './commands/eval.js';
import { EXPORT_FORMATS, EXPORT_TABLES, exportCommand } from './commands/export.js';
import { generateCommand } from './commands/generate.js';
import { migrateCommand } from './commands/migrate.js';
import { reproduceCommand } from './commands/reproduce.js';
import { resumeCommand } from './commands/resume.js';
import { statusCommand } from './commands/status.js';
import { sweepCommand } from './commands/sweep.js';
import { trainCommand } from './commands/train.js';
import { workerCommand } from './commands/worker.js';
import { DEFAULT_DB, DEFAULT_STALE_AFTER_S } from './context.js';

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${value}"`);
    return n;
  };
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

/** --status pending,failed: run statuses in any case, each checked. */
function statuses(value: string, previous: RunStatus[] = []): RunStatus[] {
  const given = list(value).map((s) => s.toUpperCase());
  const bad = given.find((s) => !(RUN_STATUSES as readonly string[]).includes(s));
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `"${bad.toLowerCase()}" is not a run status (${RUN_STATUSES.join(', ').toLowerCase()})`,
    );
  }
  return [...previous, ...(given as RunStatus[])];
}

/** --tag key=value, repeatable: split at the first '=' only, so a value may hold '=' and ','. */
function tag(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const key = value.slice(0, at);
  if (Object.hasOwn(previous, key)) throw new InvalidArgumentError(`the key "${key}" is given twice`);
  return { ...previous, [key]: value.slice(at + 1) };
}

/**
 * Exit code of input refused before anything ran: an invalid config or sweep (ConfigError) or a
 * command line commander rejects (unknown command or option, bad value, missing argument).
 */
export const INVALID_INPUT_EXIT_CODE = 2;

/** The CLI's version, from its package.json (beside src/ and dist/). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** The options a command reads (its options interface) that its definition below does not declare. */
type Undeclared<Reads, Parsed> = Exclude<keyof Reads, keyof Parsed>;

/**
 * The parsed options (commander infers their types from the declarations), checked against the
 * options interface of the function that runs the command: every option it reads must be
 * declared, with the declared type (optional unless it has a default). A key read but not
 * declared is a compile error that names it.
 */
type Declared<Reads, Parsed> = Parsed &
  ([Undeclared<Reads, Parsed>] extends [never]
    ? unknown
    : { [K in Undeclared<Reads, Parsed>]: 'read by the command but not declared as an option' });

/** Calls `command` with its arguments and its parsed options, checked as Declared says. */
export function invoke<Args extends unknown[], Reads, Parsed extends Reads>(
  command: (...args: [...Args, Reads]) => Promise<number>,
  args: Args,
  options: Declared<Reads, Parsed>,
): Promise<number> {
  return command(...args, options);
}

export function buildProgram(run: (action: () => Promise<number>) => void) {
  const program = new Command('ftlab')
    .description('Free Transformer Lab: train, sweep, evaluate and compare latent-variable language models')
    .version(`ftlab ${cliVersion()} (Node.js ${process.versions.node})`, '-V, --version', 'print the version and exit')
    .addOption(
      new Option('--db <file|url>', 'tracker database: a SQLite file, or postgres://user@host/db for several machines')
        .env('FTLAB_DB')
        .default(DEFAULT_DB),
    )
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js engine')
        .choices(['auto', ...BACKEND_NAMES])
        .env('FTLAB_BACKEND')
        .default('auto'),
    )
    .addOption(
      new Option(
        '--threads <n>',
        "threads of one run: the native engine's kernels split their work, bit-identical to 1 thread",
      )
        .env('FTLAB_THREADS')
        .argParser(integer(1))
        .default(1),
    )
    .option('--artifacts <dir>', 'where run files (checkpoints, results) go (default: ftlab-runs/ beside the database)')
    .option('--json', 'machine-readable output on stdout', false)
    .option('-q, --quiet', 'print only the result and errors: no progress bars or informational lines', false)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // Commander has printed its message; a usage error exits like other refused input (it uses 1,
    // which `ftlab` keeps for failures). Set before the subcommands, which inherit it.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : INVALID_INPUT_EXIT_CODE));

  program
    .command('train')
    .description('train one run from a config file (experiments/*.yaml)')
    .argument('<config>', 'run config YAML')
    .option('--name <name>', 'experiment name (default: the config name)')
    .option('--tag <key=value>', 'tag the run (repeatable; the value is everything after the first =)', tag)
    .option('--no-evaluate', 'skip the benchmark tasks and Z study after training (likelihood metrics only)')
    .action((config, _, command) => run(() => invoke(trainCommand, [config], command.optsWithGlobals())));

  program
    .command('sweep')
    .description('expand a sweep into runs (adding only what is missing) and train them with worker processes')
    .argument('<sweep>', 'sweep YAML')
    .option('--workers <n>', 'worker processes (default: one per core)', integer(1))
    .option(
      '--stale-after <seconds>',
      'a run without heartbeat this long counts as crashed',
      integer(1),
      DEFAULT_STALE_AFTER_S,
    )
    .option(
      '--max-resumes <n>',
      'requeue a crashed or killed run at most this many times',
      integer(0),
      DEFAULT_MAX_RESUMES,
    )
    .option('--queue-only', 'create the runs but start no workers', false)
    .option('--no-evaluate', 'skip the benchmark tasks and Z study after each run')
    .option(
      '--seed-offset <n>',
      'add n to every seed (fresh seeds for the same experiment); the sweep is named <name>-seeds+<n>',
      integer(0),
      0,
    )
    .action((file, _, command) => run(() => invoke(sweepCommand, [file], command.optsWithGlobals())));

  program
    .command('worker')
    .description('claim queued runs from the database and train them until none is left')
    .option('--sweep <id>', 'only runs of this sweep')
    .option(
      '--stale-after <seconds>',
      'a run without heartbeat this long counts as crashed',
      integer(1),
      DEFAULT_STALE_AFTER_S,
    )
    .option('--max-runs <n>', 'stop after this many runs', integer(1))
    .option('--max-resumes <n>', 'requeue a crashed run at most this many times', integer(0), DEFAULT_MAX_RESUMES)
    .option('--no-evaluate', 'skip the benchmark tasks and Z study after each run')
    .action((_, command) => run(() => invoke(workerCommand, [], command.optsWithGlobals())));

  program
    .command('resume')
    .description('continue a killed, crashed or failed run from its last checkpoint')
    .argument('<run>', 'run id')
    .option(
      '--stale-after <seconds>',
      'resume a RUNNING run whose heartbeat is older than this',
      integer(1),
      DEFAULT_STALE_AFTER_S,
    )
    .option(
      '--max-resumes <n>',
      'refuse once the run has been resumed this many times (a run that keeps crashing)',
      integer(0),
      DEFAULT_MAX_RESUMES,
    )
    .option('--no-evaluate', 'skip the benchmark tasks and Z study after training')
    .action((runId, _, command) => run(() => invoke(resumeCommand, [runId], command.optsWithGlobals())));

  program
    .command('status')
    .description('runs with their progress, newest first')
    .option('--sweep <id>', 'only runs of this sweep')
    .option('--status <list>', 'only these statuses (comma separated)', statuses)
    .option('--limit <n>', 'at most this many runs', integer(1), 50)
    .action((_, command) => run(() => invoke(statusCommand, [], command.optsWithGlobals())));

  program
    .command('eval')
    .description("evaluate a run's newest checkpoint: likelihood bounds, latent usage, Z study, benchmarks")
    .argument('<run>', 'run id')
    .option(
      '--tasks <list>',
      'benchmark tasks by name (comma separated; default: the built-in ones for the data)',
      list,
    )
    .option(
      '--task-file <file>',
      "register tasks from a task config: ours (JSON), or lm-evaluation-harness's (YAML, or JSON with a task key) for local data (repeatable)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--rows <n>', 'validation rows for the likelihood metrics', integer(1))
    .option('--iwae <k>', 'importance samples for the IWAE bound', integer(1))
    .option('--limit <n>', 'evaluate only the first n items of each task', integer(1))
    .option('--num-fewshot <k>', "solved examples before each item, drawn from the task's other items", integer(0))
    .option('--log-samples', "write every scored item of each task as JSON lines (lm-eval's --log_samples)", false)
    .option('--no-likelihood', 'skip the likelihood and latent metrics: benchmark tasks (and the toy study) only')
    .option('--seed <n>', 'evaluation seed', integer(0), 0)
    .option('--no-record', 'print only; do not store the results in the tracker')
    .action((runId, _, command) => run(() => invoke(evalCommand, [runId], command.optsWithGlobals())));

  program
    .command('generate')
    .description("sample from a run's model, with Z pinned per group or drawn from the prior")
    .argument('<run>', 'run id')
    .option('--prompt <text>', 'prompt (default: "A>" for toy runs, a newline otherwise)')
    .addOption(new Option('--z <mode>', 'Z of the samples').choices(['prior', 'pinned']).default('prior'))
    .option(
      '--codes <list>',
      'with --z pinned: the codes to pin (cycled over positions; default: drawn from the prior)',
    )
    .option('--groups <n>', 'groups of samples (each group shares one pinned Z)', integer(1), 3)
    .option('--samples <n>', 'samples per group', integer(1), 4)
    .option('--max-tokens <n>', 'new tokens per sample', integer(1))
    .option('--temperature <t>', 'softmax temperature (0: greedy)', number, 1)
    .option('--top-k <k>', 'sample among the k most likely tokens (0: all)', integer(0), 0)
    .addOption(
      new Option('--prompt-z <mode>', "Z of the prompt (default: the model's promptZ)").choices(['posterior', 'prior']),
    )
    .option('--seed <n>', 'sampling seed', integer(0), 0)
    .action((runId, _, command) => run(() => invoke(generateCommand, [runId], command.optsWithGlobals())));

  program
    .command('export')
    .description(
      'export a run (metrics, evaluations; --format hf: the model and tokenizer as a Hugging Face directory) or a sweep (runs, comparison table, verdicts across seeds, generation sheets, the toy figure)',
    )
    .argument('<id>', 'run id, or sweep id or name')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .addOption(
      new Option(
        '--table <table>',
        'what to export (default: comparison for md/latex/csv of a sweep, runs for json, figure for svg)',
      ).choices([...EXPORT_TABLES]),
    )
    .option('--seed <n>', 'figure: the seed whose runs are drawn (default: the smallest every column has)', integer(0))
    .option('--groups <n>', 'figure: groups per condition and panel', integer(1), 4)
    .option('--out <file>', 'write to this file (atomically) instead of stdout; --format hf: the folder to create')
    .action((id, _, command) => run(() => invoke(exportCommand, [id], command.optsWithGlobals())));

  program
    .command('reproduce')
    .description('train a finished run again from its recorded config and seed and check that everything matches')
    .argument('<run>', 'run id')
    .option('--tolerance <x>', 'relative tolerance for metric values (0: bit for bit)', number, 0)
    .action((runId, _, command) => run(() => invoke(reproduceCommand, [runId], command.optsWithGlobals())));

  program
    .command('migrate')
    .description('prepare a tracker database or bring its schema up to date, and report its version')
    .option('--create', 'PostgreSQL: create the database if the server does not have it', false)
    .option('--check', 'only report; exit 1 if the database needs migrating', false)
    .action((_, command) => run(() => invoke(migrateCommand, [], command.optsWithGlobals())));

  program
    .command('copy')
    .description('copy a whole history into another database (e.g. a local SQLite file up to PostgreSQL)')
    .requiredOption('--from <file|url>', 'the database to copy from (read only)')
    .requiredOption('--to <file|url>', 'the database to copy into (created or migrated if needed)')
    .option('--batch <n>', 'rows per batch', integer(1), 1000)
    .action((_, command) => run(() => invoke(copyCommand, [], command.optsWithGlobals())));

  program
    .command('bench')
    .description(
      'training throughput of the reference config and its variants on every engine here, and N processes at once',
    )
    .option('--cases <list>', `cases (comma separated): ${BENCH_CASE_NAMES.join(', ')}`, list)
    .option('--engines <list>', 'engines (comma separated; default: every one that starts)', list)
    .option('--steps <n>', 'measured steps per case after warm-up', integer(1))
    .option('--processes <list>', 'process counts of the multi-process case (default 1..cores)', (v: string) =>
      v.split(',').map((x) => integer(1)(x)),
    )
    .option('--no-multi', 'skip the multi-process case')
    .option(
      '--profile',
      "after each case's timed steps, time as many more kernel by kernel and print where the step's time goes (skips the multi-process case)",
    )
    .addOption(
      new Option(
        '--reference <framework>',
        'compare with PyTorch instead: ftlab and the PyTorch twin alternate on the same cases (default baseline, ft-h8-dense), one ratio per case',
      ).choices(['torch']),
    )
    .option('--rounds <n>', 'with --reference: ftlab/PyTorch pairs per case (default 3)', integer(1))
    .option(
      '--python <path>',
      'with --reference: a python3 that imports torch (default: FTLAB_PYTHON, python3, /usr/bin/python3)',
    )
    .action((_, command) => run(() => invoke(benchCommand, [], command.optsWithGlobals())));

  program
    .command('dashboard')
    .description('serve the dashboard for the database')
    .option('--port <n>', 'port (0: any free port)', integer(0), 3000)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action((_, command) => run(() => invoke(dashboardCommand, [], command.optsWithGlobals())));

  return program;
}
