// A JSON Schema (draft 2020-12) validator for the keywords our generated schemas use. No JSON
// Schema validator (ajv, jsonschema...) is in the offline package store, so the tests check the
// generated files with this; it throws on any keyword it does not implement, so a schema can
// never pass by being half-read.
export type Schema = SchemaObject | boolean;

interface SchemaObject {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  propertyNames?: Schema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: Schema;
  prefixItems?: Schema[];
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
}

export interface SchemaError {
  /** JSON Pointer of the value, e.g. "/model/widht". */
  path: string;
  message: string;
}

const ANNOTATIONS = new Set(['$schema', '$comment', 'title', 'description', 'default']);
const KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'anyOf',
  'oneOf',
]);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

export function validate(schema: Schema, value: unknown, path = ''): SchemaError[] {
  if (schema === true) return [];
  if (schema === false) return [{ path, message: 'no value is allowed here' }];
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`validator: keyword "${key}" not implemented`);
  }
  const errors: SchemaError[] = [];
  const fail = (message: string) => errors.push({ path, message });
  const s = schema;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => hasType(value, t))) return [{ path, message: `expected ${types.join(' or ')}` }];
  }
  if (s.enum !== undefined && !s.enum.some((v) => same(v, value))) fail(`not one of ${JSON.stringify(s.enum)}`);
  if (s.const !== undefined && !same(s.const, value)) fail(`not ${JSON.stringify(s.const)}`);
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) fail(`below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) fail(`above ${s.maximum}`);
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) fail(`not above ${s.exclusiveMinimum}`);
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) fail(`not below ${s.exclusiveMaximum}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) fail(`shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && length > s.maxLength) fail(`longer than ${s.maxLength}`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) fail(`does not match ${s.pattern}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) fail(`more than ${s.maxItems} items`);
    const prefix = s.prefixItems ?? [];
    value.forEach((item, i) => {
      const itemSchema = i < prefix.length ? prefix[i] : s.items;
      if (itemSchema !== undefined) errors.push(...validate(itemSchema, item, `${path}/${i}`));
    });
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in object)) fail(`missing "${key}"`);
    for (const [key, item] of Object.entries(object)) {
      const at = `${path}/${key}`;
      if (s.propertyNames !== undefined) errors.push(...validate(s.propertyNames, key, at));
      const property = s.properties?.[key];
      if (property !== undefined) errors.push(...validate(property, item, at));
      else if (s.additionalProperties !== undefined) {
        if (s.additionalProperties === false) errors.push({ path: at, message: 'not allowed (additionalProperties)' });
        else errors.push(...validate(s.additionalProperties, item, at));
      }
    }
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    if (s[keyword] === undefined) continue;
    const results = (s[keyword] ?? []).map((option) => validate(option, value, path));
    const matches = results.filter((r) => r.length === 0).length;
    if (keyword === 'oneOf' ? matches !== 1 : matches === 0) {
      fail(`${keyword}: matches ${matches} of ${results.length} options`);
      // What each option found, so a test can see where the value went wrong.
      for (const result of results) errors.push(...result);
    }
  }
  return errors;
}
