// Reading untrusted URL query values. Every page reads its state from the URL (so a view can be
// shared); nothing read here reaches SQL except as a bound parameter, and values that do not
// parse are dropped with a warning the page shows instead of an error.

export type SearchParams = Record<string, string | string[] | undefined>;

/** Ids the tracker makes, run names never: letters, digits, '-' and '_'. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Flattened config paths and metric keys: 'model.kappaNats', 'val/prior_ce'. */
export const KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,127}$/;

export function firstValue(params: SearchParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `a,b` and `?x=a&x=b` both give [a, b]; empty items are dropped. */
export function listValue(params: SearchParams, name: string): string[] {
  const value = params[name];
  const raw = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return raw
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export class QueryReader {
  readonly warnings: string[] = [];

  constructor(private readonly params: SearchParams) {}

  text(name: string, maxLength = 200): string {
    const value = (firstValue(this.params, name) ?? '').trim();
    if (value.length > maxLength) {
      this.warnings.push(`${name} was cut to ${maxLength} characters.`);
      return value.slice(0, maxLength);
    }
    return value;
  }

  number(name: string, range: { min?: number; max?: number } = {}): number | null {
    const raw = firstValue(this.params, name)?.trim();
    if (raw === undefined || raw === '') return null;
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      this.warnings.push(`Ignored ${name}=${JSON.stringify(raw)}: not a number.`);
      return null;
    }
    if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
      this.warnings.push(`Ignored ${name}=${raw}: outside ${range.min ?? '-inf'}..${range.max ?? 'inf'}.`);
      return null;
    }
    return value;
  }

  numbers(name: string): number[] {
    const out: number[] = [];
    for (const raw of listValue(this.params, name)) {
      const value = Number(raw);
      if (Number.isFinite(value)) out.push(value);
      else this.warnings.push(`Ignored ${name} value ${JSON.stringify(raw)}: not a number.`);
    }
    return out;
  }

  /** Values that must match `pattern` (or be one of `allowed`); others are dropped with a warning. */
  matching(name: string, pattern: RegExp | readonly string[], limit = 100): string[] {
    const out: string[] = [];
    for (const raw of listValue(this.params, name)) {
      const ok = Array.isArray(pattern) ? pattern.includes(raw) : (pattern as RegExp).test(raw);
      if (ok && !out.includes(raw)) out.push(raw);
      else if (!ok) this.warnings.push(`Ignored ${name} value ${JSON.stringify(raw.slice(0, 80))}.`);
    }
    if (out.length > limit) {
      this.warnings.push(`Only the first ${limit} values of ${name} are used.`);
      return out.slice(0, limit);
    }
    return out;
  }

  /** One of `allowed`, else `fallback` (with a warning when something else was given). */
  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = firstValue(this.params, name);
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.warnings.push(`Ignored ${name}=${JSON.stringify(raw.slice(0, 80))}: use one of ${allowed.join(', ')}.`);
    return fallback;
  }

  flag(name: string): boolean {
    const raw = firstValue(this.params, name);
    return raw === '1' || raw === 'true' || raw === 'on';
  }
}

/** A query string from name/value pairs, leaving out empty values; '' when nothing is left. */
export function queryString(entries: Record<string, string | number | boolean | null | undefined | string[]>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(entries)) {
    if (value === null || value === undefined || value === false || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) search.set(name, value.join(','));
    } else search.set(name, value === true ? '1' : String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
