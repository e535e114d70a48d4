// Configs as the store sees them: validated JSON, a hash that ignores seeds (so seeds of one
// config group together), and flattened typed params (`model.kappaNats` -> 0.347) so that
// numeric hyper-parameters can be range-filtered, which MLflow's string-only params cannot do.
import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.js';
import type { JsonObject, JsonValue, ParamValue } from './types.js';

/** Keys left out of the config hash: `seed` and any key ending in `Seed` (dataSeed, initSeed), at any depth. */
export function isSeedKey(key: string): boolean {
  return key === 'seed' || key.endsWith('Seed');
}

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

function canonical(value: JsonValue, dropSeeds: boolean): JsonValue {
  if (Array.isArray(value)) return value.map((item) => canonical(item, dropSeeds));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      const item = value[key];
      if (item === undefined || (dropSeeds && isSeedKey(key))) continue;
      out[key] = canonical(item, dropSeeds);
    }
    return out;
  }
  return value;
}

/** JSON with sorted keys and no whitespace: equal configs give equal text. */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(canonical(value, false));
}

/** 16 hex digits of the SHA-256 of the canonical config with its seed keys removed. */
export function configHash(config: JsonObject): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(config, true)))
    .digest('hex')
    .slice(0, 16);
}

export function paramValue(value: JsonValue): ParamValue {
  if (typeof value === 'number') return { number: value, text: String(value) };
  if (typeof value === 'boolean') return { number: value ? 1 : 0, text: String(value) };
  if (typeof value === 'string') return { number: null, text: value };
  return { number: null, text: JSON.stringify(value) };
}

/**
 * Dotted paths to the leaves of a config: `{ model: { kappaNats: 0.35 } }` gives
 * `model.kappaNats`. Arrays and empty objects are leaves (stored as JSON text).
 */
export function flattenConfig(config: JsonObject, prefix = ''): Array<[string, ParamValue]> {
  const out: Array<[string, ParamValue]> = [];
  for (const key of Object.keys(config).sort()) {
    const value = config[key];
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      out.push(...flattenConfig(value, path));
    } else {
      out.push([path, paramValue(value)]);
    }
  }
  return out;
}
