// Configs as the store sees them: validated JSON and a hash that ignores seeds (so seeds of one
// config group together). Flattening into typed params is @ftlab/contract's flattenConfig.
import { createHash } from 'node:crypto';
import { isSeedKey, type JsonObject, type JsonValue } from '@ftlab/contract';
import { InvalidInputError } from './errors.js';

/** Throws unless `value` is plain JSON (finite numbers, no functions, no cycles). */
export function assertJson(value: unknown, where: string, seen: Set<object> = new Set()): asserts value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InvalidInputError(`${where} is ${value}; configs must be JSON (finite numbers only).`);
    }
    return;
  }
  if (typeof value !== 'object') {
    throw new InvalidInputError(
      `${where} is a ${typeof value}; configs must be JSON (objects, arrays, strings, numbers).`,
    );
  }
  if (seen.has(value)) throw new InvalidInputError(`${where} refers to itself; configs must be JSON trees.`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      assertJson(item, `${where}[${i}]`, seen);
    });
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new InvalidInputError(
        `${where} is a ${proto?.constructor?.name ?? 'class'} instance; configs must be plain JSON.`,
      );
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) assertJson(item, `${where}.${key}`, seen);
    }
  }
  seen.delete(value);
}

/** The value with its keys sorted and its seed keys removed: equal configs but for seeds give equal JSON. */
function withoutSeeds(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutSeeds);
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      const item = value[key];
      if (item === undefined || isSeedKey(key)) continue;
      out[key] = withoutSeeds(item);
    }
    return out;
  }
  return value;
}

/** 16 hex digits of the SHA-256 of the canonical config with its seed keys removed. */
export function configHash(config: JsonObject): string {
  return createHash('sha256')
    .update(JSON.stringify(withoutSeeds(config)))
    .digest('hex')
    .slice(0, 16);
}
