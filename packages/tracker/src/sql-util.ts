// Small builders for the portable SQL the store writes.
import { type SQL, sql } from 'drizzle-orm';

/** `(a, b, c)` for an IN clause; callers never pass an empty list. */
export function inList(values: readonly unknown[]): SQL {
  return sql`(${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )})`;
}

/** `'a', 'b'` as SQL text for a CHECK constraint, which takes no parameters (our own constant words only). */
export function literalList(values: readonly string[]): SQL {
  return sql.raw(values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', '));
}

/** Splits `items` into lists of at most `size` (IN lists stay under every dialect's parameter limit). */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A LIKE pattern matching `text` literally anywhere (with ESCAPE '\'). */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
