// The read-side commands on one finished run, and the guarantees of the write-side ones.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testPythonPath } from '@ftlab/model';
import { openTracker } from '@ftlab/tracker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftlab, ftlabOk, TINY, tempDir, writeFile } from './helpers.js';

let dir: string;
let db: string;
let runId: string;

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, 'ftlab.db');
  const config = writeFile(dir, 'tiny.yaml', TINY({ steps: '6', checkpointEvery: '3' }));
  const out = await ftlabOk(['train', config, '--db', db, '--backend', 'wasm', '--json']);
  runId = (JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { run: string }).run;
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('read-side commands', () => {
  it('status lists the run with its progress, as a table and as JSON', async () => {
    const table = await ftlabOk(['status', '--db', db]);
    expect(table).toMatch(new RegExp(`${runId}\\s+cli-tiny\\s+free-transformer\\s+3\\s+FINISHED\\s+6/6 100%`));
    const json = JSON.parse(await ftlabOk(['status', '--db', db, '--json'])) as {
      total: number;
      runs: Array<{ id: string }>;
    };
    expect(json.total).toBe(1);
    expect(json.runs[0]?.id).toBe(runId);
  });

  it('status on a new database says what to run', async () => {
    const empty = join(dir, 'empty.db');
    await ftlabOk(['migrate', '--db', empty]); // creates it, empty
    expect(await ftlabOk(['status', '--db', empty])).toMatch(
      /no runs yet: try `ftlab train experiments\/toy-quick.yaml`/,
    );
  });

  it('export writes metrics as CSV and the evaluations as Markdown and LaTeX', async () => {
    const csv = await ftlabOk(['export', runId, '--db', db, '--format', 'csv']);
    expect(csv.split('\n')[0]).toMatch(/key/);
    expect(csv).toMatch(/train\/loss/);
    const md = await ftlabOk(['export', runId, '--db', db, '--format', 'md']);
    expect(md).toMatch(/^\| task \| metric \| value \| n \|/);
    expect(md).toMatch(/\| likelihood \| elbo/);
    const out = join(dir, 'run.tex');
    await ftlabOk(['export', runId, '--db', db, '--format', 'latex', '--out', out]);
    expect(readFileSync(out, 'utf8')).toMatch(/\\begin\{tabular\}/);
    // --out naming a directory: refused, and nothing (not even a temporary file) is left in it.
    const folder = join(dir, 'exports');
    mkdirSync(folder);
    const intoFolder = await ftlab(['export', runId, '--db', db, '--format', 'md', '--out', folder]).done;
    expect(intoFolder.code).toBe(1);
    expect(intoFolder.stderr).toMatch(/cannot write .*exports: it is a directory; give a file name inside it/);
    expect(readdirSync(folder)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const missing = await ftlab(['export', 'nope', '--db', db, '--format', 'json']).done;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/"nope" is neither a run id nor a sweep id or name/);
  });

  it('stops quietly when the reader closes the pipe early (ftlab export ... | head)', async () => {
    const cli = ftlab(['export', runId, '--db', db, '--format', 'json']);
    cli.child.stdout?.destroy(); // closed before the first write: every write gets EPIPE
    const result = await cli.done;
    expect(result.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(result.code).toBe(0);
  });

  it('generate samples with Z pinned per group, reproducibly', async () => {
    const args = ['generate', runId, '--db', db, '--z', 'pinned', '--groups', '2', '--samples', '3', '--json'];
    const first = JSON.parse(await ftlabOk(args)) as { groups: Array<{ z: number[]; samples: string[] }> };
    expect(first.groups).toHaveLength(2);
    for (const group of first.groups) {
      expect(group.samples).toHaveLength(3);
      expect(group.z.length).toBeGreaterThan(60);
      for (const s of group.samples) expect(s.startsWith('A>')).toBe(true);
    }
    expect(JSON.parse(await ftlabOk(args))).toEqual(first);
    const bad = await ftlab(['generate', runId, '--db', db, '--z', 'pinned', '--codes', '9']).done;
    expect(bad.stderr).toMatch(/--codes must be integers in \[0, 4\) \(H = 2\)/);
  });

  it('eval prints the metrics and the grouped-generation sheet', async () => {
    const out = await ftlabOk(['eval', runId, '--db', db, '--rows', '4', '--tasks', 'toy_validity', '--no-record']);
    expect(out).toMatch(new RegExp(`run ${runId} at step 6`));
    expect(out).toMatch(/elbo/);
    expect(out).toMatch(/pinned|same Z/i);
  });

  it('eval records what it finished when a task fails, names the failure, exits 1, and counts items it cannot encode', async () => {
    const tasks = join(dir, 'eval-tasks');
    mkdirSync(tasks, { recursive: true });
    // The toy vocabulary is letters and ">": "€" cannot be written, "?" neither.
    writeFileSync(
      join(tasks, 'broken.jsonl'),
      '{"question": "A> €", "choices": ["B", "C"], "answer": 0}\n{"question": "?", "choices": ["B", "C"], "answer": 1}\n',
    );
    writeFileSync(
      join(tasks, 'mixed.jsonl'),
      '{"question": "A>", "choices": ["B", "C"], "answer": 0}\n{"question": "A> €", "choices": ["B", "C"], "answer": 0}\n',
    );
    const mc = (name: string) => ({
      name,
      output: 'multiple_choice',
      data: { path: `${name}.jsonl` },
      metrics: ['acc'],
    });
    writeFileSync(join(tasks, 'tasks.json'), JSON.stringify([mc('broken'), mc('mixed')]));
    const result = await ftlab([
      'eval',
      runId,
      '--db',
      db,
      '--rows',
      '4',
      '--task-file',
      join(tasks, 'tasks.json'),
      '--seed',
      '5',
    ]).done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(
      /task broken failed: task "broken": none of its 2 items could be scored \(item broken-0: cannot encode the context "A> €"/,
    );
    expect(result.stderr).toMatch(/evaluation: task mixed: 1 of 2 items skipped \(unencodable 1\)/);
    const tracker = await openTracker(db, { readonly: true });
    try {
      const run = await tracker.getRun(runId);
      const mixed = run.evaluations.find((e) => e.task === 'mixed');
      expect(mixed).toMatchObject({
        metric: 'acc',
        step: 6,
        n: 1,
        extra: { note: '1 of 2 items skipped (unencodable 1)' },
      });
      expect(run.evaluations.some((e) => e.task === 'broken')).toBe(false);
      const results = JSON.parse(
        readFileSync(join(dirname(run.artifacts.at(-1)?.path ?? ''), 'results-step-6.json'), 'utf8'),
      );
      expect(results.tasks.broken.error).toMatch(/none of its 2 items could be scored/);
      expect(results.tasks.mixed).toMatchObject({ requested: 2, n: 1, skipped: { unencodable: 1 } });
    } finally {
      await tracker.close();
    }
  });

  it('eval --limit --num-fewshot --log-samples --no-likelihood: results an lm-eval reader can read, with provenance', async () => {
    const tasks = join(dir, 'shot-tasks');
    mkdirSync(tasks, { recursive: true });
    const text = ['A', 'B', 'C', 'D']
      .map((letter) => JSON.stringify({ question: `${letter}>`, choices: ['AB', 'BA'], answer: 0 }))
      .join('\n');
    writeFileSync(join(tasks, 'shots.jsonl'), text);
    writeFileSync(
      join(tasks, 'tasks.json'),
      // The toy vocabulary has no newline: the examples are joined with nothing.
      JSON.stringify({
        name: 'shots',
        output: 'multiple_choice',
        data: { path: 'shots.jsonl' },
        metrics: ['acc', 'acc_norm'],
        fewshotDelimiter: '',
      }),
    );
    const args = ['eval', runId, '--db', db, '--task-file', join(tasks, 'tasks.json'), '--limit', '2'];
    const result = await ftlab([...args, '--num-fewshot', '1', '--log-samples', '--no-likelihood', '--seed', '7']).done;
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stderr).toMatch(/task shots .*2\/2 items/);
    const tracker = await openTracker(db, { readonly: true });
    try {
      const run = await tracker.getRun(runId);
      const runDir = dirname(run.artifacts.find((a) => a.kind === 'evaluation')?.path ?? '');
      const results = JSON.parse(readFileSync(join(runDir, 'results-step-6.json'), 'utf8'));
      // Every key an lm-eval results reader looks up.
      expect(results.results.shots).toMatchObject({ alias: 'shots', 'acc,none': expect.any(Number) });
      expect(results.results.shots).toHaveProperty(['acc_stderr,none']);
      expect(results.results.shots).toHaveProperty(['acc_norm,none']);
      expect(results.results.likelihood).toBeUndefined(); // --no-likelihood
      expect(results.configs.shots).toMatchObject({ task: 'shots', output_type: 'multiple_choice', num_fewshot: 1 });
      expect(results.versions).toEqual({ shots: 0 });
      expect(results['n-shot']).toEqual({ shots: 1 });
      expect(results['n-samples']).toEqual({ shots: { original: 4, effective: 2 } });
      expect(results.higher_is_better.shots).toEqual({ acc: true, acc_norm: true });
      // The seed every draw derives from: the run's seed and the --seed, as results.seed records it.
      expect(results.config).toEqual({
        model: 'ftlab',
        model_args: `run=${runId},step=6`,
        limit: 2,
        random_seed: results.seed,
        bootstrap_iters: 0,
      });
      const dataHash = createHash('sha256').update(text).digest('hex');
      expect(results.task_hashes).toEqual({ shots: dataHash });
      // The tracker holds the same provenance with each evaluation.
      const stored = run.evaluations.find((e) => e.task === 'shots' && e.metric === 'acc');
      expect(stored?.extra).toMatchObject({ nShot: 1, limit: 2, dataHash, version: 0, requested: 2, truncated: 0 });
      // One JSON line per scored item, as lm-eval's --log_samples writes them.
      const lines = readFileSync(join(runDir, 'samples-shots-step-6.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({
        doc_id: 0,
        doc: { question: 'A>', choices: ['AB', 'BA'], answer: 0 },
        target: 'AB',
        filter: 'none',
        metrics: ['acc', 'acc_norm'],
        doc_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(lines[0].arguments).toHaveLength(2);
      expect(lines[0].arguments[0][0]).toMatch(/^[BCD]>ABA>$/); // one solved example, then the item
      expect(lines[0].resps).toHaveLength(2);
      expect([0, 1]).toContain(lines[0].acc);
    } finally {
      await tracker.close();
    }
  });

  it("eval --task-file takes lm-evaluation-harness's YAML config as written, with local data", async () => {
    const tasks = join(dir, 'lm-eval-yaml');
    mkdirSync(join(tasks, 'letters'), { recursive: true });
    const docs = ['A', 'B', 'C'].map((letter, i) => ({ prompt: `${letter}>`, options: ['AB', 'BA', 'CA'], gold: i }));
    writeFileSync(join(tasks, 'letters', 'test.jsonl'), docs.map((doc) => JSON.stringify(doc)).join('\n'));
    writeFileSync(
      join(tasks, 'letters.yaml'),
      [
        'task: letters',
        'dataset_path: ./letters',
        'test_split: test',
        'output_type: multiple_choice',
        'doc_to_text: "{{prompt}}"',
        'doc_to_target: gold',
        'doc_to_choice: options',
        'target_delimiter: ""',
        'metric_list:',
        '  - metric: acc',
        '    aggregation: mean',
        '    higher_is_better: true',
        'metadata:',
        '  version: 2.0',
      ].join('\n'),
    );
    const out = await ftlabOk([
      'eval',
      runId,
      '--db',
      db,
      '--task-file',
      join(tasks, 'letters.yaml'),
      '--no-likelihood',
      '--no-record',
      '--json',
    ]);
    const results = JSON.parse(out.slice(out.indexOf('{')));
    expect(results.tasks.letters).toMatchObject({ requested: 3, n: 3, version: 2 });
    expect(results.results.letters).toHaveProperty(['acc,none']);
    const unsupported = join(tasks, 'bad.yaml');
    writeFileSync(
      unsupported,
      'task: bad\ndataset_path: ./letters\ntest_split: test\noutput_type: multiple_choice\nuse_prompt: x\n',
    );
    const refused = await ftlab(['eval', runId, '--db', db, '--task-file', unsupported, '--no-record']).done;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/bad\.yaml: use_prompt: not a key we support/);
  });

  it('reproduce re-runs the run and reports that everything matches', async () => {
    const out = await ftlabOk(['reproduce', runId, '--db', db, '--backend', 'wasm']);
    expect(out).toMatch(new RegExp(`run ${runId} reproduced exactly by run \\w+`));
  });

  it('reproduce after ftlab eval re-recorded the evaluations compares metrics and weights, and says so', async () => {
    const config = writeFile(dir, 'again.yaml', TINY({ steps: '4', checkpointEvery: '2', seed: '9' }));
    const trained = await ftlabOk(['train', config, '--db', db, '--backend', 'wasm', '--no-evaluate', '--json']);
    const id = (JSON.parse(trained.slice(trained.lastIndexOf('\n{') + 1)) as { run: string }).run;
    await ftlabOk(['eval', id, '--db', db, '--rows', '4', '--tasks', 'toy_validity', '--seed', '3']);
    const out = await ftlabOk(['reproduce', id, '--db', db, '--backend', 'wasm']);
    expect(out).toMatch(
      new RegExp(`run ${id} reproduced exactly by run \\w+: .*\\(evaluations not compared: ftlab eval re-recorded`),
    );
  });

  it('reproduce of a --no-evaluate run skips the full evaluation too, and still matches', async () => {
    const config = writeFile(dir, 'quick.yaml', TINY({ steps: '4', checkpointEvery: '2', seed: '5' }));
    const trained = await ftlabOk(['train', config, '--db', db, '--backend', 'wasm', '--no-evaluate', '--json']);
    const quickRun = (JSON.parse(trained.slice(trained.lastIndexOf('\n{') + 1)) as { run: string }).run;
    const out = await ftlabOk(['reproduce', quickRun, '--db', db, '--backend', 'wasm']);
    const copyId = new RegExp(`run ${quickRun} reproduced exactly by run (\\w+)`).exec(out)?.[1];
    expect(copyId, out).toBeDefined();
    const tracker = await openTracker(db, { readonly: true });
    try {
      const copy = await tracker.getRun(copyId as string);
      expect(new Set(copy.evaluations.map((e) => e.task))).toEqual(new Set(['likelihood', 'latent']));
    } finally {
      await tracker.close();
    }
  });
});

/** The records `ftlab bench --json` prints, one JSON object per line. */
const jsonLines = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** `ftlab bench` arguments for one step of the baseline case on wasm, then `extra`. */
function oneWasmStep(...extra: string[]): string[] {
  return ['bench', '--cases', 'baseline', '--engines', 'wasm', '--steps', '1', ...extra];
}

describe('bench', () => {
  it('prints one JSON line per measured case', async () => {
    const out = await ftlabOk(oneWasmStep('--no-multi', '--json'));
    const records = jsonLines(out);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'case', case: 'baseline', backend: 'wasm', variant: 'baseline' });
    expect(records[0]?.tokensPerSec).toBeGreaterThan(0);
    const bad = await ftlab(['bench', '--engines', 'tpu']).done;
    expect(bad.stderr).toMatch(/--engines: "tpu" is not an engine/);
  });

  it('the multi-process case without 1 in --processes compares with the baseline case of the same run', async () => {
    const out = await ftlabOk(oneWasmStep('--processes', '2', '--json'));
    const [single, multi] = jsonLines(out) as Array<Record<string, number>>;
    expect(multi).toMatchObject({ kind: 'multi-process', processes: 2 });
    expect(multi?.efficiency).toBeCloseTo(multi?.totalTokensPerSec / (2 * single?.tokensPerSec), 3);
    const none = await ftlab(['bench', '--cases', 'ft-h8-dense', '--engines', 'wasm', '--processes', '2']).done;
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/add 1 to --processes, or the baseline case to --cases/);
  });

  it("--profile prints where a step's time goes, kernel by kernel, and skips the multi-process case", async () => {
    const run = await ftlab(oneWasmStep('--profile')).done;
    expect(run.code).toBe(0);
    const records = jsonLines(run.stdout);
    expect(records.map((r) => r.kind)).toEqual(['case']);
    const profile = records[0]?.profile as { kernels: Array<{ kernel: string; callsPerStep: number }> };
    const matmul = profile.kernels.find((k) => k.kernel === 'BatchMatMul');
    expect(matmul?.callsPerStep).toBeGreaterThan(10);
    expect(profile.kernels.map((k) => k.kernel)).not.toContain('unnamed scope');
    expect(run.stderr).toMatch(/^profile of baseline on wasm: [\d.]+ ms per profiled step \(1 steps;/m);
    expect(run.stderr).toMatch(/^BatchMatMul +[\d.]+ +[\d.]+% +\d+/m);
    expect(run.stderr).toMatch(/^\(outside kernels\) /m);
    expect(run.stderr).toMatch(/^slowest kernels by input shapes:$/m);
    const withTorch = await ftlab(['bench', '--reference', 'torch', '--profile']).done;
    expect(withTorch.code).toBe(1);
    expect(withTorch.stderr).toMatch(/--profile profiles ftlab alone: run it without --reference/);
    for (const flag of ['--profile', '--no-multi']) {
      const both = await ftlab(['bench', flag, '--processes', '2']).done;
      expect(both.code).toBe(1);
      expect(both.stderr).toContain(
        `--processes sets the multi-process case, which ${flag} leaves out: drop one of them`,
      );
      expect(both.stdout).toBe('');
    }
  });

  const python = testPythonPath('ftlab bench --reference torch', ['torch', 'numpy']);
  it.skipIf(python === undefined)(
    '--reference torch: ftlab and PyTorch side by side, the ratio per case and what each side ran on',
    async () => {
      const args = ['bench', '--reference', 'torch', '--cases', 'baseline', '--rounds', '1', '--steps', '1'];
      const run = await ftlab([...args, '--python', python as string]).done;
      expect(run.code).toBe(0);
      const [record, ...rest] = jsonLines(run.stdout);
      expect(rest).toEqual([]);
      expect(record).toMatchObject({ kind: 'reference', case: 'baseline', ratios: [expect.any(Number)] });
      expect(run.stderr).toMatch(/^CPU: .+$/m);
      expect(run.stderr).toMatch(/^ftlab: \w+ engine, .*, 1 thread\(s\)$/m);
      expect(run.stderr).toMatch(/^PyTorch \d+\.\d+.*: 1 thread\(s\), its kernels \w+, BLAS .+$/m);
      expect(run.stderr).toMatch(/ftlab\/PyTorch/);
      expect(run.stderr).toContain(`x${(record as { ratio: number }).ratio}`);
      // Refused: another framework, several engines, a PyTorch option without --reference, a Python without torch.
      const other = await ftlab(['bench', '--reference', 'jax']).done;
      expect(other.code).toBe(2);
      expect(other.stderr).toMatch(/--reference <framework>' argument 'jax' is invalid. Allowed choices are torch/);
      const engines = await ftlab([...args, '--engines', 'wasm,cpu']).done;
      expect(engines.stderr).toMatch(/compares one ftlab engine with PyTorch: give one in --engines/);
      const rounds = await ftlab(['bench', '--rounds', '2']).done;
      expect(rounds.stderr).toMatch(/--rounds and --python belong to --reference torch/);
      const noTorch = await ftlab([...args, '--python', '/nonexistent/python3']).done;
      expect(noTorch.code).toBe(1);
      expect(noTorch.stderr).toMatch(/no Python among \/nonexistent\/python3 imports torch and numpy/);
    },
    120_000,
  );
});

describe('the command line itself', () => {
  it('--version and -V print the version of the package and exit 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const result = await ftlab([flag]).done;
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`ftlab ${version} (Node.js ${process.versions.node})\n`);
    }
    // A usage error exits 2, as every refused input does.
    expect((await ftlab(['--no-such-option']).done).code).toBe(2);
  });
});

describe('write-side guarantees', () => {
  it('a malformed config is refused with file, line, field and fix, and the database is not touched', async () => {
    const bad = writeFile(dir, 'bad.yaml', TINY().replace('batchSize: 4', 'batchSize: 0'));
    const before = readFileSync(db);
    const mtime = statSync(db).mtimeMs;
    const result = await ftlab(['train', bad, '--db', db]).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /bad\.yaml: invalid config\n {2}- line 5: training.batchSize: .*Fix: use a positive whole number/,
    );
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(statSync(db).mtimeMs).toBe(mtime);
    const fresh = join(dir, 'never.db');
    expect((await ftlab(['train', bad, '--db', fresh]).done).code).toBe(2);
    expect(() => statSync(fresh)).toThrow(); // not even created
  });

  it('an unknown option or backend is refused before anything runs', async () => {
    const unknown = await ftlab(['train', 'x.yaml', '--bogus']).done;
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    const backend = await ftlab(['train', 'x.yaml', '--backend', 'tpu']).done;
    expect(backend.stderr).toMatch(
      /argument 'tpu' is invalid. Allowed choices are auto, node-gpu, node, native, wasm, cpu/,
    );
  });

  it('a sweep file with an invalid run is refused whole', async () => {
    writeFileSync(join(dir, 'tiny-base.yaml'), TINY());
    const sweep = writeFile(
      dir,
      'bad-sweep.yaml',
      'name: s\nbase: tiny-base.yaml\naxes:\n  model.encoderPlacement: [1, 5]\n',
    );
    const before = readFileSync(db);
    const result = await ftlab(['sweep', sweep, '--db', db]).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line \d+: model\.encoderPlacement: 5 is outside 1\.\.1/);
    expect(readFileSync(db).equals(before)).toBe(true);
  });
});
