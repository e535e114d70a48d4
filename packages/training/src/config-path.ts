// Dotted config paths ("model.kappa.bits") as sweeps write them: checked, then set on a copy.
// A segment such as __proto__ would walk out of the config into JavaScript's shared
// Object.prototype and change every object in the process, so those names are refused outright.

/** Path segments that name JavaScript object machinery rather than a config field. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why `path` cannot be a config path, or null when it can. */
export function configPathProblem(path: string): string | null {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) {
    return `"${path}" has an empty segment. Fix: write section.field, e.g. model.kappa.bits.`;
  }
  const forbidden = segments.find((s) => FORBIDDEN_SEGMENTS.has(s));
  if (forbidden !== undefined) {
    return `"${forbidden}" is not a config field (it names JavaScript object internals and is refused in every path). Fix: remove ${path}.`;
  }
  return null;
}

/** Writes `value` at a dotted path ("model.kappa.bits") into a copy of `target`. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const problem = configPathProblem(path);
  if (problem) throw new Error(`cannot set ${path}: ${problem}`);
  const keys = path.split('.');
  const root = structuredClone(target);
  let node: Record<string, unknown> = root;
  for (const key of keys.slice(0, -1)) {
    // Own keys only: an inherited one (toString, hasOwnProperty...) is not a section of the config.
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) node[key] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new Error(`cannot set ${path}: ${key} is not a section`);
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
  return root;
}
