// A config checked against its zod schema gives every problem at once, each as a field path and
// a message a user can act on: the value that was given, and for an unknown key the known key it
// most likely meant. Each package owns its schema; this turns any schema's issues into problems
// the same way, so a file's errors read alike whichever section they are in.
import { z } from 'zod';
import { closestName } from './closest-name.js';

export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  /** Where in the config, e.g. ['model', 'kappa', 'bits']; an unknown key's path ends with the key. */
  path: (string | number)[];
  /** What is wrong, e.g. 'unknown field (did you mean width?)' or 'Too small: expected number to be >0, got -4'. */
  message: string;
}

export type ConfigCheck<T> = { success: true; data: T } | { success: false; issues: ConfigIssue[] };

/** `model.kappa.bits`, `filters[0].steps[1]`; '(top level)' for the config itself. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : `${out ? '.' : ''}${segment}`;
  return out || '(top level)';
}

/** `<path>: <message>`, the one way an issue is written; `under` is the section's own path (e.g. ['model']). */
export function formatIssue(issue: ConfigIssue, under: ConfigPath = []): string {
  return `${formatPath([...under, ...issue.path])}: ${issue.message}`;
}

/** A value short enough to quote in a message, else undefined. */
function shown(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  const json = JSON.stringify(value);
  return json !== undefined && json.length <= 60 ? json : undefined;
}

function describe(issue: z.core.$ZodIssue, knownKeys: Map<unknown, string[]>): ConfigIssue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      // One issue per key, so each is reported at its own line with its own hint.
      const known = knownKeys.get(input) ?? [];
      return issue.keys.map((key) => {
        const hint = closestName(key, known);
        return { path: [...path, key], message: `unknown field${hint ? ` (did you mean ${hint}?)` : ''}` };
      });
    }
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return [
        {
          path,
          message:
            input === undefined
              ? `is required (expected ${expected})`
              : `expected ${expected}, got ${shown(input) ?? (Array.isArray(input) ? 'a list' : typeof input)}`,
        },
      ];
    }
    case 'custom':
      return [{ path, message: issue.message }];
    default: {
      // A tagged union names the tag's value, not the whole object.
      const tag = issue.code === 'invalid_union' ? (issue as { discriminator?: string }).discriminator : undefined;
      const value = shown(
        tag !== undefined && input !== null && typeof input === 'object'
          ? (input as Record<string, unknown>)[tag]
          : input,
      );
      return [{ path, message: value === undefined ? issue.message : `${issue.message}, got ${value}` }];
    }
  }
}

/**
 * Checks `value` against `schema`: the parsed value (defaults filled), or every issue. A strict
 * object's unknown key comes with the nearest key the object knows.
 */
export function checkConfig<S extends z.ZodType>(schema: S, value: unknown): ConfigCheck<z.output<S>> {
  // Zod's issues lose the schema that raised them; the error map still sees it, so the known
  // keys of each strict object that met an unknown one are noted here, by the object checked.
  const knownKeys = new Map<unknown, string[]>();
  const result = schema.safeParse(value, {
    reportInput: true,
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
        if (shape) knownKeys.set(issue.input, Object.keys(shape));
      }
      return undefined;
    },
  });
  if (result.success) return { success: true, data: result.data };
  return { success: false, issues: result.error.issues.flatMap((issue) => describe(issue, knownKeys)) };
}

/**
 * The parsed value (defaults filled), or an Error naming every problem, their paths under `under`:
 * for code that resolves a config it was handed rather than a file a user wrote.
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, under: ConfigPath = []): z.output<S> {
  const checked = checkConfig(schema, value);
  if (!checked.success) throw new Error(checked.issues.map((issue) => formatIssue(issue, under)).join('; '));
  return checked.data;
}

export interface FieldRules<T> {
  /** False when a field failed its own check (its value is then the one written, unchecked). */
  valid(...fields: (keyof T & string)[]): boolean;
  /** A problem of `field` (or of a path inside it): the field to change. */
  issue(field: (keyof T & string) | readonly [keyof T & string, ...(string | number)[]], message: string): void;
  /** A problem of the object as a whole (no one field to blame). */
  problem(message: string): void;
}

/**
 * Rules across the fields of an object (e.g. "heads divides width"), as a zod check that runs
 * even when other fields failed, so a section's problems are all reported at once; a rule reads
 * only fields that passed (`valid`). Use: `z.strictObject({...}).check(fieldRules((c, f) => ...))`.
 */
export function fieldRules<T extends object>(rules: (value: T, fields: FieldRules<T>) => void): z.core.$ZodCheck<T> {
  return z.superRefine<T>(
    (value, ctx) => {
      const failed = new Set(ctx.issues.map((issue) => issue.path?.[0]));
      rules(value, {
        valid: (...fields) => fields.every((field) => !failed.has(field)),
        issue: (field, message) =>
          ctx.addIssue({ code: 'custom', path: typeof field === 'string' ? [field] : [...field], message }),
        problem: (message) => ctx.addIssue({ code: 'custom', path: [], message }),
      });
    },
    { when: (payload) => payload.value !== null && typeof payload.value === 'object' && !Array.isArray(payload.value) },
  );
}

/** The rule that field `high` is not below field `low` (a range written as two fields). */
export function ordered<T extends object>(low: keyof T & string, high: keyof T & string): z.core.$ZodCheck<T> {
  return fieldRules<T>((c, { valid, issue }) => {
    const [from, to] = [c[low] as number, c[high] as number];
    if (valid(low, high) && to < from) issue(high, `${to} is below ${low}=${from}`);
  });
}
