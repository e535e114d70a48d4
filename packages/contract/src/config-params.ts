// Configs as every reader sees them: plain JSON, seed keys that do not make a configuration
// differ, and flattened typed params (`model.kappaNats` -> 0.347) so that numeric
// hyper-parameters can be range-filtered, which MLflow's string-only params cannot do.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A flattened config leaf: its number where it has one (booleans are 0/1), and its text. */
export interface ParamValue {
  number: number | null;
  text: string;
}

/** Keys that name a seed, not a configuration: `seed` and any key ending in `Seed`, at any depth. */
export function isSeedKey(key: string): boolean {
  return key === 'seed' || key.endsWith('Seed');
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

/**
 * The flattened params that readers filter, sort and label by: the paper's axes (variant, kappa,
 * H, encoder placement, estimator), depth, data and seed.
 */
export const PARAM_PATHS = {
  variant: 'model.variant',
  kappaNats: 'model.kappaNats',
  latentBits: 'model.latentBits',
  encoderPlacement: 'model.encoderPlacement',
  estimator: 'model.estimator',
  layers: 'model.layers',
  dataKind: 'data.kind',
  seed: 'seed',
} as const;
