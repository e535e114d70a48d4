// Malformed input through the real command: configs, sweeps, flags, files and ids that are wrong,
// each run as an `ftlab` child process against a database holding one finished run. Every case
// must exit with the documented code (2: input refused before anything ran; 1: a command that
// failed, e.g. an id not found), name what was wrong, print no stack trace, and leave the
// database file byte for byte as it was and the run files as they were.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openTracker } from '@ftlab/tracker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cli, ftlab, ftlabOk, TINY, tempDir } from './helpers.js';

/** Documented in apps/cli/README.md (and INVALID_INPUT_EXIT_CODE in src/program.ts). */
const REFUSED = 2;
const FAILED = 1;

interface Fixture {
  db: string;
  run: string;
  /** Path of an input file written before the cases run. */
  file(name: string): string;
}

const base = TINY();
const edit = (from: string, to: string) => {
  if (!base.includes(from)) throw new Error(`TINY has no "${from}"`);
  return base.replace(from, to);
};
const SWEEP_HEAD = 'name: bad-sweep\nbase: tiny.yaml\n';
const ALIAS_BOMB = [
  'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`),
].join('\n');
const ALL_SECTIONS = [
  '  name: all-sections',
  '  seed: 3',
  '  data: { kind: toy, validationSequences: many }',
  '  model: { variant: free-transformer, widht: 16, layers: 2, heads: 2 }',
  '  training: { steps: -5, batchSize: 4 }',
  '  evaluation: { evry: 10 }',
];
/** The four sections' problems, from line `first` on. */
const sectionProblems = (first: number) =>
  [
    `line ${first}: data\\.validationSequences: expected number, got "many"`,
    `line ${first + 1}: model\\.widht: unknown field \\(did you mean width\\?\\)\\. Fix: [^\\n]*`,
    `line ${first + 2}: training\\.steps: Too small: expected number to be >0, got -5`,
    `line ${first + 3}: evaluation\\.evry: unknown field \\(did you mean every\\?\\)\\. Fix: [^\\n]*`,
  ].join('\\n {2}- ');
const hundred = Array.from({ length: 101 }, (_, i) => i + 1).join(', ');

/** Input files by name: run configs, sweeps (beside tiny.yaml, their base) and not-YAML files. */
const FILES: Record<string, string | Buffer> = {
  'tiny.yaml': base,
  'unknown-field.yaml': `${base}trainng: { steps: 2 }\n`,
  'no-training.yaml': base.replace(/^training:.*\n/m, ''),
  'batch-string.yaml': edit('batchSize: 4', 'batchSize: four'),
  'lr-too-big.yaml': edit('lr: 0.01', 'lr: 5'),
  'seed-fraction.yaml': edit('seed: 3', 'seed: 1.5'),
  'variant.yaml': edit('variant: free-transformer', 'variant: free-transfomer'),
  'placement.yaml': edit('latentBits: 2', 'latentBits: 2, encoderPlacement: 7'),
  'data-kind.yaml': edit('kind: toy', 'kind: toys'),
  'warmup.yaml': edit('warmupSteps: 2', 'warmupSteps: 20'),
  'memory.yaml': edit('lr: 0.01', 'lr: 0.01, memoryBudgetBytes: 1000'),
  'vocab.yaml': edit('latentBits: 2', 'latentBits: 2, vocabSize: 7'),
  'unclosed.yaml': edit('kappa: { bits: 0.25 } }', 'kappa: { bits: 0.25 }'),
  'duplicate-key.yaml': `${base}seed: 4\n`,
  'empty.yaml': '',
  'proto-key.yaml': `${base.replace('data: { kind: toy }', 'data: { kind: toy, __proto__: { polluted: 1 } }')}`,
  'bomb.yaml': ALIAS_BOMB,
  'random.bin': Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 167 + 13) % 256)),
  'config.yaml.gz': gzipSync(base),
  'sweep-empty-cases.yaml': `${SWEEP_HEAD}cases: []\n`,
  'sweep-axis-case.yaml': `${SWEEP_HEAD}axes:\n  model.kappa.bits: [0.25, 0.5, 1]\ncases:\n  - { model.variant: baseline }\n  - { model.kappa.bits: 2 }\n`,
  'sweep-description.yaml': `${SWEEP_HEAD}axes:\n  description: [first, second, third]\n`,
  'sweep-proto.yaml': `${SWEEP_HEAD}axes:\n  __proto__.polluted: [1]\n`,
  'sweep-constructor.yaml': `${SWEEP_HEAD}cases:\n  - { constructor.prototype.polluted: 1 }\n`,
  'sweep-huge-random.yaml': `${SWEEP_HEAD}method: random\nsamples: 100000000\naxes:\n  training.lr: { logUniform: [0.001, 0.1] }\n`,
  'sweep-huge-grid.yaml': `${SWEEP_HEAD}axes:\n  seed: [${hundred}]\n  training.steps: [${hundred}]\n`,
  'sweep-missing-base.yaml': 'name: s\nbase: missing.yaml\n',
  'sweep-empty-case-list.yaml': `${SWEEP_HEAD}cases:\n  - { model.kappa.bits: [] }\n`,
  'sweep-repeated-seed.yaml': `${SWEEP_HEAD}axes:\n  seed: [1, 2, 1]\n`,
  'sweep-bomb-base.yaml': 'name: s\nbase: bomb.yaml\n',
  // A mistake in each section (and in the sweep's grid): all reported in one run, with their lines.
  'all-sections.yaml': ALL_SECTIONS.map((line) => line.replace(/^ {2}/, '')).join('\n'),
  'sweep-all-sections.yaml': `name: all-sections\nbase:\n${ALL_SECTIONS.slice(2).join('\n')}\naxes:\n  model.kappa.bits: [0.5, -1]\n`,
};

type Case = [name: string, args: (f: Fixture) => string[], code: number, names: RegExp];

const train = (file: string) => (f: Fixture) => ['train', f.file(file), '--db', f.db, '--backend', 'cpu'];
const sweep = (file: string) => (f: Fixture) => ['sweep', f.file(file), '--db', f.db, '--queue-only'];

const CASES: Case[] = [
  // Run configs: refused before the database is opened.
  ['unknown field', train('unknown-field.yaml'), REFUSED, /unknown-field\.yaml: invalid config[\s\S]*trainng/],
  ['missing training section', train('no-training.yaml'), REFUSED, /no-training\.yaml[\s\S]*training: /],
  ['batch size of the wrong type', train('batch-string.yaml'), REFUSED, /line 5: training\.batchSize/],
  ['learning rate out of range', train('lr-too-big.yaml'), REFUSED, /training\.lr: Too big/],
  ['fractional seed', train('seed-fraction.yaml'), REFUSED, /line 2: seed: /],
  ['misspelt variant', train('variant.yaml'), REFUSED, /model\.variant/],
  ['encoder placement outside the layers', train('placement.yaml'), REFUSED, /encoderPlacement/],
  ['unknown data kind', train('data-kind.yaml'), REFUSED, /line 3: .*toys/],
  [
    'warmup longer than training',
    train('warmup.yaml'),
    REFUSED,
    /training\.warmupSteps: 20 exceeds training\.steps 16/,
  ],
  ['over the memory budget', train('memory.yaml'), REFUSED, /memoryBudgetBytes/],
  ['vocabulary size against the data', train('vocab.yaml'), REFUSED, /model\.vocabSize: 7 differs/],
  [
    'unclosed flow mapping',
    train('unclosed.yaml'),
    REFUSED,
    /unclosed\.yaml: invalid config\n {2}- line \d+: YAML syntax/,
  ],
  [
    'duplicate key',
    train('duplicate-key.yaml'),
    REFUSED,
    /duplicate-key\.yaml[\s\S]*YAML syntax: Map keys must be unique/,
  ],
  ['empty file', train('empty.yaml'), REFUSED, /empty\.yaml: invalid config\n {2}- \(top level\)/],
  ['a __proto__ key', train('proto-key.yaml'), REFUSED, /proto-key\.yaml[\s\S]*line 3: __proto__: not a config field/],
  ['an alias bomb', train('bomb.yaml'), REFUSED, /^ftlab: \S*bomb\.yaml: YAML aliases expand too far/],
  ['random bytes', train('random.bin'), REFUSED, /^ftlab: \S*random\.bin: not a YAML config: the file is binary/],
  ['a gzip file', train('config.yaml.gz'), REFUSED, /^ftlab: \S*config\.yaml\.gz: not a YAML config: .*gzip/],
  ['a config that does not exist', train('nope.yaml'), REFUSED, /nope\.yaml: cannot read the file: ENOENT/],
  [
    'a mistake in each section, all at once',
    train('all-sections.yaml'),
    REFUSED,
    new RegExp(`all-sections\\.yaml: invalid config\\n {2}- ${sectionProblems(3)}\\n`),
  ],
  [
    'a folder as the config',
    (f) => ['train', f.file(''), '--db', f.db],
    REFUSED,
    /inputs\/?: cannot read the file: EISDIR/,
  ],
  // Sweeps: every run expanded and checked before anything is written.
  ['cases: []', sweep('sweep-empty-cases.yaml'), REFUSED, /line 3: cases: an empty list expands to no runs/],
  [
    'an axis and a case setting the same path',
    sweep('sweep-axis-case.yaml'),
    REFUSED,
    /axis model\.kappa\.bits and case 2 both set model\.kappa\.bits/,
  ],
  ['a description-only axis', sweep('sweep-description.yaml'), REFUSED, /differ only in description/],
  ['a __proto__ axis path', sweep('sweep-proto.yaml'), REFUSED, /axes\.__proto__\.polluted: "__proto__"/],
  ['a constructor case path', sweep('sweep-constructor.yaml'), REFUSED, /cases\.0\.constructor\.prototype\.polluted/],
  ['10^8 random samples', sweep('sweep-huge-random.yaml'), REFUSED, /samples: the sweep expands to 100,000,000 runs/],
  [
    'a grid over the limit',
    sweep('sweep-huge-grid.yaml'),
    REFUSED,
    /axes: the sweep expands to 10,201 runs .*limit of 10,000/,
  ],
  [
    'a base that does not exist',
    sweep('sweep-missing-base.yaml'),
    REFUSED,
    /base: missing\.yaml: cannot read the file/,
  ],
  [
    'a case with an empty list',
    sweep('sweep-empty-case-list.yaml'),
    REFUSED,
    /case 1: model\.kappa\.bits: an empty list/,
  ],
  [
    'a repeated seed',
    sweep('sweep-repeated-seed.yaml'),
    REFUSED,
    /run \{"seed":1\} and run \{"seed":1\} would be stored as one run/,
  ],
  ['an alias bomb as the base', sweep('sweep-bomb-base.yaml'), REFUSED, /bomb\.yaml: YAML aliases expand too far/],
  ['a binary sweep', sweep('random.bin'), REFUSED, /random\.bin: not a YAML config/],
  [
    'a mistake in each section of a sweep and its grid, all at once',
    sweep('sweep-all-sections.yaml'),
    REFUSED,
    new RegExp(
      `sweep-all-sections\\.yaml: invalid config\\n {2}- ${sectionProblems(3)}\\n {2}- line 8: model\\.kappa\\.bits: Too small: expected number to be >=0, got -1\\.`,
    ),
  ],
  // The command line: refused by the parser, before anything is opened.
  ['an unknown command', (f) => ['trian', '--db', f.db], REFUSED, /unknown command 'trian'/],
  ['an unknown option', (f) => ['status', '--db', f.db, '--bogus'], REFUSED, /unknown option '--bogus'/],
  ['a missing argument', (f) => ['train', '--db', f.db], REFUSED, /missing required argument 'config'/],
  [
    '--workers 0',
    (f) => [...sweep('tiny.yaml')(f), '--workers', '0'],
    REFUSED,
    /'--workers <n>' argument '0' is invalid/,
  ],
  [
    'an unknown engine',
    (f) => [...train('tiny.yaml')(f), '--backend', 'tpu'],
    REFUSED,
    /'--backend <name>' argument 'tpu'/,
  ],
  [
    '--tag without =',
    (f) => [...train('tiny.yaml')(f), '--tag', 'k'],
    REFUSED,
    /'--tag <key=value>' argument 'k' is invalid/,
  ],
  [
    '--tag twice with one key',
    (f) => [...train('tiny.yaml')(f), '--tag', 'a=1', '--tag', 'a=2'],
    REFUSED,
    /--tag <key=value>' argument 'a=2' is invalid\. the key "a" is given twice/,
  ],
  [
    'export without --format',
    (f) => ['export', f.run, '--db', f.db],
    REFUSED,
    /option '--format <format>' not specified/,
  ],
  [
    'an unknown status',
    (f) => ['status', '--db', f.db, '--status', 'finished,done'],
    REFUSED,
    /"done" is not a run status/,
  ],
  // Ids that are not in the database: the command fails naming the id.
  [
    'export of an unknown id',
    (f) => ['export', 'nope', '--db', f.db, '--format', 'json'],
    FAILED,
    /"nope" is neither a run id/,
  ],
  ['resume of an unknown run', (f) => ['resume', 'nope', '--db', f.db, '--backend', 'cpu'], FAILED, /nope/],
  ['reproduce of an unknown run', (f) => ['reproduce', 'nope', '--db', f.db, '--backend', 'cpu'], FAILED, /nope/],
  [
    'status of an unknown sweep',
    (f) => ['status', '--db', f.db, '--sweep', 'nope'],
    FAILED,
    /--sweep nope: no sweep with this id/,
  ],
];

/** Child processes at once: each spends ~1.5 s of CPU starting TypeScript; two cores here. */
const CONCURRENCY = 4;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether the database file was unchanged over the batch this case ran in, and that batch. */
  databaseUnchanged: boolean;
  batch: string[];
  filesUnchanged: boolean;
}

let dir: string;
let fixture: Fixture;
let originalDigest: string;
let originalFiles: string;
let storedTags: Record<string, string>;
const outcomes = new Map<string, Outcome>();
const running = new Set<Cli>();

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every file under the run files' folder with its digest: what a refused command must not touch. */
function runFiles(root: string): string {
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(folder, e.name))
        : [`${relative(root, join(folder, e.name))} ${digest(join(folder, e.name))}`],
    );
  return walk(root).sort().join('\n');
}

beforeAll(async () => {
  dir = tempDir();
  const db = join(dir, 'lab.db');
  const inputs = join(dir, 'inputs');
  mkdirSync(inputs);
  for (const [name, content] of Object.entries(FILES)) writeFileSync(join(inputs, name), content);
  // A value holding '=' and ',': everything after the first '=' is the value (issue 15: it was
  // cut at the second '=').
  const out = await ftlabOk([
    ...['train', join(inputs, 'tiny.yaml'), '--db', db, '--backend', 'cpu', '--no-evaluate', '--json'],
    ...['--tag', 'note=lr=0.01,warmup=2', '--tag', 'empty='],
  ]);
  const run = (JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { run: string }).run;
  const tracker = await openTracker(db, { readonly: true });
  storedTags = (await tracker.getRun(run)).tags;
  await tracker.close();
  fixture = { db, run, file: (name) => join(inputs, name) };
  originalDigest = digest(db);
  originalFiles = runFiles(join(dir, 'ftlab-runs'));

  for (let i = 0; i < CASES.length; i += CONCURRENCY) {
    const batch = CASES.slice(i, i + CONCURRENCY);
    const before = digest(db);
    const filesBefore = runFiles(join(dir, 'ftlab-runs'));
    const results = await Promise.all(
      batch.map(async ([, args]) => {
        const cli = ftlab(args(fixture));
        running.add(cli);
        const result = await cli.done;
        running.delete(cli);
        return result;
      }),
    );
    const databaseUnchanged = digest(db) === before;
    const filesUnchanged = runFiles(join(dir, 'ftlab-runs')) === filesBefore;
    for (const [j, [name]] of batch.entries()) {
      const { code, stdout, stderr } = results[j] as Awaited<Cli['done']>;
      outcomes.set(name, { code, stdout, stderr, databaseUnchanged, filesUnchanged, batch: batch.map(([n]) => n) });
    }
  }
}, 300_000);

afterAll(() => {
  for (const cli of running) cli.child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`${CASES.length} malformed inputs through the ftlab command`, () => {
  it.each(CASES)('%s', (name, _, code, names) => {
    const outcome = outcomes.get(name);
    if (!outcome) throw new Error(`case "${name}" did not run`);
    const shown = `stderr:\n${outcome.stderr}\nstdout:\n${outcome.stdout}`;
    expect(outcome.code, shown).toBe(code);
    expect(outcome.stderr, shown).toMatch(names);
    expect(`${outcome.stderr}${outcome.stdout}`, 'no stack trace').not.toMatch(/^ {4}at |node:internal/m);
    expect(outcome.databaseUnchanged, `database changed while running: ${outcome.batch.join(', ')}`).toBe(true);
    expect(outcome.filesUnchanged, `run files changed while running: ${outcome.batch.join(', ')}`).toBe(true);
  });

  it('--tag key=value keeps everything after the first = (and an empty value)', () => {
    expect(storedTags).toEqual({ note: 'lr=0.01,warmup=2', empty: '' });
  });

  it('left the database byte-identical and the run files untouched', () => {
    expect(digest(fixture.db)).toBe(originalDigest);
    expect(runFiles(join(dir, 'ftlab-runs'))).toBe(originalFiles);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map(([name]) => name)).size).toBe(CASES.length);
  });
});
