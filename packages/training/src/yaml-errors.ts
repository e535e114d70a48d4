// Turns YAML syntax errors and schema issues into messages that name the file, the line, the
// field and the fix, e.g.
//   experiments/toy.yaml:12: model.encoderPlacement: 4 is outside 1..3 (layers = 4). Fix: ...
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: invalid config\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
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
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const line = lineCounter.linePos(e.pos[0]).line;
        return `${line ? `line ${line}: ` : ''}YAML syntax: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const lineOf = (path: readonly (string | number)[]): string => {
    // Walk up to the deepest node that exists, so a missing field points at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && (isMap(node) || isSeq(node) || isScalar(node)) && node.range) {
        return String(lineCounter.linePos(node.range[0]).line);
      }
    }
    return '';
  };
  return { value: doc.toJS({ maxAliasCount: 100 }), lineOf };
}
