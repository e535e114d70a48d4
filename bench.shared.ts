// One argument parser for every bench script (packages/*/bench, apps/dashboard/bench): node:util
// parseArgs with --help, strict in the way a command line should be: an unknown option, a missing
// or superfluous value, a stray argument or a bad value prints what was wrong and what is valid,
// then exits with 2 (a usage error; 1 stays for a benchmark that failed).
import { parseArgs } from 'node:util';

export interface BenchOption {
  type: 'string' | 'boolean';
  /** One line of --help. */
  help: string;
  /** The value's placeholder in --help (string options), e.g. 'n' or 'a,b'. */
  value?: string;
}

export interface BenchCommand<Name extends string> {
  /** How to run it, the first line of --help (e.g. 'pnpm --filter @ftlab/data bench'). */
  usage: string;
  /** What it measures and prints: the rest of --help. */
  description: string;
  options: Record<Name, BenchOption>;
}

/** The parsed options, read through checks that end the process with a usage error. */
export interface BenchArgs<Name extends string> {
  flag(name: Name): boolean;
  string(name: Name): string | undefined;
  /** A whole number >= min, or undefined when the option is absent. */
  integer(name: Name, min: number): number | undefined;
  /** One of `valid`, or undefined when the option is absent. */
  choice(name: Name, valid: readonly string[]): string | undefined;
  /** A comma-separated list, each item one of `valid` (any where `valid` is omitted). */
  list(name: Name, valid?: readonly string[]): string[] | undefined;
  /** A usage error about this command: prints `message` and how to get help, exits with 2. */
  fail(message: string): never;
}

/** Parses `argv` (default: this process's arguments); --help prints the usage and exits 0. */
export function benchArgs<Name extends string>(
  command: BenchCommand<Name>,
  argv: readonly string[] = process.argv.slice(2),
): BenchArgs<Name> {
  const options = { ...command.options, help: { type: 'boolean', help: 'print this help and exit' } } as Record<
    string,
    BenchOption
  >;
  const names = Object.keys(options).map((name) => `--${name}`);
  const fail = (message: string): never => {
    process.stderr.write(`${command.usage}: ${message}\nRun with --help for what each option means.\n`);
    process.exit(2);
  };
  // pnpm passes the `--` of `pnpm bench -- --opt` on to the script.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  // Not parseArgs' strict mode: its errors name neither the valid options nor, for some, the option.
  const { tokens, values } = parseArgs({
    args,
    options: {
      ...Object.fromEntries(Object.entries(options).map(([name, { type }]) => [name, { type }])),
      help: { type: 'boolean', short: 'h' },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'positional' || token.kind === 'option-terminator') {
      const what = token.kind === 'positional' ? `argument ${JSON.stringify(token.value)}` : 'argument --';
      fail(`unexpected ${what}: this command takes only the options ${names.join(', ')}`);
    } else if (!Object.hasOwn(options, token.name)) {
      fail(`unknown option ${token.rawName}; the options are ${names.join(', ')}`);
    } else if (options[token.name]?.type === 'boolean' && token.value !== undefined) {
      fail(`${token.rawName} takes no value, got ${JSON.stringify(token.value)}`);
    } else if (
      options[token.name]?.type === 'string' &&
      (token.value === undefined || (!token.inlineValue && token.value.startsWith('--')))
    ) {
      fail(`${token.rawName} needs a value: ${token.rawName} <${options[token.name]?.value ?? 'value'}>`);
    }
  }
  if (values.help === true) {
    process.stdout.write(`${help(command.usage, command.description, options)}\n`);
    process.exit(0);
  }
  const string = (name: Name) => values[name] as string | undefined;
  return {
    flag: (name) => values[name] === true,
    string,
    integer(name, min) {
      const text = string(name);
      if (text === undefined) return undefined;
      const value = Number(text);
      if (!/^-?\d+$/.test(text.trim()) || value < min) {
        fail(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(text)}`);
      }
      return value;
    },
    choice(name, valid) {
      const value = string(name);
      if (value !== undefined && !valid.includes(value)) {
        fail(`--${name}: ${JSON.stringify(value)} is not one of ${valid.join(', ')}`);
      }
      return value;
    },
    list(name, valid) {
      const items = string(name)
        ?.split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      if (items === undefined) return undefined;
      if (items.length === 0) fail(`--${name} needs at least one item${valid ? `: ${valid.join(', ')}` : ''}`);
      for (const item of items) {
        if (valid !== undefined && !valid.includes(item)) {
          fail(`--${name}: ${JSON.stringify(item)} is not one of ${valid.join(', ')}`);
        }
      }
      return items;
    },
    fail,
  };
}

function help(usage: string, description: string, options: Record<string, BenchOption>): string {
  const heads = Object.entries(options).map(([name, o]) =>
    o.type === 'string' ? `--${name} <${o.value ?? 'value'}>` : name === 'help' ? '-h, --help' : `--${name}`,
  );
  const width = Math.max(...heads.map((head) => head.length));
  const lines = Object.values(options).map((o, i) => `  ${(heads[i] as string).padEnd(width)}  ${o.help}`);
  return `Usage: ${usage} [options]\n\n${wrap(description, 100)}\n\nOptions:\n${lines.join('\n')}`;
}

/** `text` in lines of at most `width` characters, broken between words. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

/** The q-quantile (0..1) of `values` by the nearest-rank rule, rounded to `digits` decimals. */
export function percentile(values: readonly number[], q: number, digits = 2): number {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(digits);
}
