// What a run records besides its metrics: params, tags, notes, evaluations and artifacts.
// Every write checks the run exists first (a clear UnknownRunError instead of a foreign-key
// failure) and is idempotent where a resumed run may repeat it.

import { flattenConfig } from '@ftlab/contract';
import { sql } from 'drizzle-orm';
import { assertJson } from './config.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { InvalidInputError } from './errors.js';
import { type Row, toArtifact, toEvaluation, toNote } from './rows.js';
import { requireRun } from './runs.js';
import { inList } from './sql-util.js';
import type { Artifact, ArtifactInput, Evaluation, EvaluationInput, JsonObject, Note } from './types.js';
import {
  checkId,
  checkKey,
  checkOptionalInteger,
  checkOptionalNumber,
  checkStep,
  checkText,
  encodeValue,
  newId,
} from './values.js';

/**
 * Adds params (nested objects are flattened to dotted paths). A param, once logged, never
 * changes: logging the same value again is a no-op, a different one is refused.
 */
export async function logParams(db: SqlDriver, runId: string, values: JsonObject): Promise<void> {
  const where = `logParams(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new InvalidInputError(`${where}: params must be an object, e.g. { 'optimizer.lr': 3e-4 }.`);
  }
  assertJson(values, `${where}: params`);
  const entries = flattenConfig(values);
  if (entries.length === 0) return;
  const keys = entries.map(([key]) => key);
  const storedValues = async (tx: SqlExecutor) => {
    const stored = new Map<string, string>();
    for (const row of await tx.all<Row>(
      sql`SELECT key, value_text FROM params WHERE run_id = ${runId} AND key IN ${inList(keys)}`,
    )) {
      stored.set(String(row.key), String(row.value_text));
    }
    const conflicts = entries.filter(([key, value]) => stored.has(key) && stored.get(key) !== value.text);
    if (conflicts.length > 0) {
      const shown = conflicts
        .map(([key, value]) => `${key}: stored ${stored.get(key)}, given ${value.text}`)
        .join('; ');
      throw new InvalidInputError(
        `${where}: params never change once logged (${shown}); start a new run for new values.`,
      );
    }
    return stored;
  };
  await db.write(async (tx) => {
    await requireRun(tx, runId, where);
    const stored = await storedValues(tx);
    const fresh = entries
      .filter(([key]) => !stored.has(key))
      .map(([key, value]) => [runId, key, value.number, value.text]);
    const inserted = await tx.insert(
      'params',
      ['run_id', 'key', 'value_number', 'value_text'],
      fresh,
      sql`ON CONFLICT (run_id, key) DO NOTHING`,
    );
    // Another process logged some of these keys meanwhile (PostgreSQL): theirs must agree with ours.
    if (inserted < fresh.length) await storedValues(tx);
  });
}

/** Sets tags (a tag's value may change; the last one wins). */
export async function setTags(db: SqlDriver, runId: string, values: Record<string, string>): Promise<void> {
  const where = `setTags(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new InvalidInputError(`${where}: tags must be an object of strings.`);
  }
  const rows = Object.entries(values).map(([key, value]) => [
    runId,
    checkKey(key, where, 'tag key'),
    checkText(value, where, `tag ${key}`),
  ]);
  if (rows.length === 0) return;
  await db.write(async (tx) => {
    await requireRun(tx, runId, where);
    await tx.insert(
      'tags',
      ['run_id', 'key', 'value'],
      rows,
      sql`ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
    );
  });
}

export async function removeTag(db: SqlDriver, runId: string, key: string): Promise<void> {
  const where = `removeTag(${JSON.stringify(runId)})`;
  checkKey(key, where, 'tag key');
  await db.write(async (tx) => {
    await requireRun(tx, runId, where);
    await tx.run(sql`DELETE FROM tags WHERE run_id = ${runId} AND key = ${key}`);
  });
}

export async function addNote(db: SqlDriver, runId: string, text: string, author: string | undefined): Promise<Note> {
  const where = `addNote(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (checkText(text, where, 'text').trim() === '') throw new InvalidInputError(`${where}: a note needs some text.`);
  if (author !== undefined) checkText(author, where, 'author');
  const id = newId();
  return db.write(async (tx) => {
    await requireRun(tx, runId, where);
    await tx.run(
      sql`INSERT INTO notes (id, run_id, text, author, created_at) VALUES (${id}, ${runId}, ${text}, ${author ?? null}, ${db.fragments.nowMs})`,
    );
    const [row] = await tx.all<Row>(sql`SELECT * FROM notes WHERE id = ${id}`);
    return toNote(row as Row);
  });
}

/** Logs evaluation results; a repeated (step, task, metric) replaces the earlier result. */
export async function logEvaluations(db: SqlDriver, runId: string, results: EvaluationInput[]): Promise<Evaluation[]> {
  const where = `logEvaluations(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (!Array.isArray(results)) throw new InvalidInputError(`${where}: expected an array of evaluation results.`);
  const now = db.fragments.nowMs;
  const rows = results.map((result, i) => {
    const at = `${where}, result ${i}`;
    if (result === null || typeof result !== 'object') throw new InvalidInputError(`${at}: expected an object.`);
    checkStep(result.step, at);
    checkKey(result.task, at, 'task');
    checkKey(result.metric, at, 'metric');
    const { value, nonFinite } = encodeValue(result.value, at);
    const n = checkOptionalInteger(result.n, at, 'n');
    if (n !== null && n < 0) throw new InvalidInputError(`${at}: n must be >= 0, got ${n}.`);
    if (result.extra !== undefined) assertJson(result.extra, `${at}: extra`);
    const extra = result.extra === undefined ? null : JSON.stringify(result.extra);
    return [
      runId,
      result.step,
      result.task,
      result.metric,
      value,
      nonFinite,
      checkOptionalNumber(result.stderr, at, 'stderr'),
      n,
      extra,
      now,
    ];
  });
  if (rows.length === 0) return [];
  // The last result for a (step, task, metric) wins, as if logged one by one (PostgreSQL refuses
  // one INSERT ... ON CONFLICT DO UPDATE that touches a row twice).
  const unique = [...new Map(rows.map((row) => [`${row[1]}\u0000${row[2]}\u0000${row[3]}`, row])).values()];
  const columns = [
    'run_id',
    'step',
    'task',
    'metric',
    'value',
    'non_finite',
    'stderr',
    'n',
    'extra_json',
    'created_at',
  ];
  const replace = sql`ON CONFLICT (run_id, step, task, metric) DO UPDATE SET value = excluded.value,
    non_finite = excluded.non_finite, stderr = excluded.stderr, n = excluded.n, extra_json = excluded.extra_json,
    created_at = excluded.created_at`;
  return db.write(async (tx) => {
    await requireRun(tx, runId, where);
    await tx.insert('evaluations', columns, unique, replace);
    const stored = await tx.all<Row>(
      sql`SELECT * FROM evaluations WHERE run_id = ${runId} ORDER BY step, task, metric`,
    );
    const logged = new Set(rows.map((r) => `${r[1]}\u0000${r[2]}\u0000${r[3]}`));
    return stored.map(toEvaluation).filter((e) => logged.has(`${e.step}\u0000${e.task}\u0000${e.metric}`));
  });
}

/** Records a file a run produced; the same path again replaces its record (a rewritten checkpoint). */
export async function logArtifact(db: SqlDriver, runId: string, artifact: ArtifactInput): Promise<Artifact> {
  const where = `logArtifact(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (artifact === null || typeof artifact !== 'object')
    throw new InvalidInputError(`${where}: expected an artifact object.`);
  checkKey(artifact.kind, where, 'kind');
  checkKey(artifact.path, where, 'path');
  const sha = artifact.sha256 ?? null;
  if (sha !== null && !/^[0-9a-f]{64}$/.test(sha)) {
    throw new InvalidInputError(`${where}: sha256 must be 64 lowercase hex digits, got ${JSON.stringify(sha)}.`);
  }
  const bytes = checkOptionalInteger(artifact.bytes, where, 'bytes');
  if (bytes !== null && bytes < 0) throw new InvalidInputError(`${where}: bytes must be >= 0, got ${bytes}.`);
  return db.write(async (tx) => {
    await requireRun(tx, runId, where);
    await tx.run(
      sql`INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at)
          VALUES (${runId}, ${artifact.kind}, ${artifact.path}, ${sha}, ${bytes}, ${db.fragments.nowMs})
          ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256,
            bytes = excluded.bytes, created_at = excluded.created_at`,
    );
    const [row] = await tx.all<Row>(sql`SELECT * FROM artifacts WHERE run_id = ${runId} AND path = ${artifact.path}`);
    return toArtifact(row as Row);
  });
}
