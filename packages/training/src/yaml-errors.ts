// Turns YAML syntax errors and schema issues into messages that name the file, the line, the
// field and the fix, e.g.
//   experiments/toy.yaml:12: model.encoderPlacement: 4 is outside 1..3 (layers = 4). Fix: ...
// A file that is not YAML text at all (binary, compressed, an alias bomb) is refused in one line.
import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';

/**
 * Alias expansions a document may make (the yaml library's guard): a "billion laughs" document
 * of a few lines would otherwise expand to gigabytes.
 */
const MAX_ALIAS_COUNT = 100;

export class ConfigError extends Error {
  /**
   * `problems` are listed under "<file>: invalid config"; `wholeFile` is for one problem with
   * the file as a whole (unreadable, not YAML text), printed on one line: "<file>: <problem>".
   */
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options: { wholeFile?: boolean } = {},
  ) {
    super(
      options.wholeFile
        ? `${file}: ${problems.join('; ')}`
        : `${file}: invalid config\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

const GZIP_SIGNATURE = [0x1f, 0x8b];

/** Reads a config file as UTF-8 text, refusing a file that cannot be YAML (binary, compressed). */
export function readConfigText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as Error).message}. Fix: check the path.`], {
      wholeFile: true,
    });
  }
  const notYaml = (what: string) =>
    new ConfigError(
      path,
      [`not a YAML config: ${what}. Fix: pass a YAML text file (e.g. experiments/toy-quick.yaml).`],
      {
        wholeFile: true,
      },
    );
  if (GZIP_SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw notYaml('the file is gzip-compressed (decompress it first with gunzip)');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw notYaml(`the file is binary (a NUL byte at offset ${nul})`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw notYaml('the file is not UTF-8 text (it holds byte sequences that are not UTF-8)');
  }
}

export interface ParsedYaml {
  value: unknown;
  /** "12" for the line where `path` is written, or "" when unknown. */
  lineOf(path: readonly (string | number)[]): string;
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? 0 : lineCounter.linePos(offset).line);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const line = lineAt(e.pos[0]);
        return `${line ? `line ${line}: ` : ''}YAML syntax: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  // A __proto__ key would be dropped by validation or reach the object prototype: refuse it.
  const protoKeys: string[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        protoKeys.push(
          `line ${lineAt(pair.key.range?.[0])}: __proto__: not a config field (it names JavaScript object internals). Fix: remove the key.`,
        );
      }
    },
  });
  if (protoKeys.length > 0) throw new ConfigError(file, protoKeys);
  const lineOf = (path: readonly (string | number)[]): string => {
    // The line of the field's key (its value may start on the next line); for a field that is
    // not written, the line of the deepest section that is, so a missing field points at its parent.
    let node: unknown = doc.contents;
    let at = isMap(node) || isSeq(node) || isScalar(node) ? node.range?.[0] : undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        at = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? at;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment];
        at = (isMap(node) || isSeq(node) || isScalar(node) ? node.range?.[0] : undefined) ?? at;
      } else break;
    }
    return at === undefined ? '' : String(lineCounter.linePos(at).line);
  };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml library throws a ReferenceError when aliases expand past the limit.
    const bomb = /alias/i.test((error as Error).message);
    throw new ConfigError(
      file,
      [
        bomb
          ? `YAML aliases expand too far (over ${MAX_ALIAS_COUNT} copies; an "alias bomb" would fill the memory). Fix: write the values out instead of nesting aliases (*name).`
          : `YAML: ${(error as Error).message}`,
      ],
      { wholeFile: true },
    );
  }
  return { value, lineOf };
}
