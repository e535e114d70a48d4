// The JSON Schema of task files (schemas/task-config.schema.json) is generated from the zod
// schema (`pnpm schemas`): this fails when the checked-in file drifts from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluationJsonSchemas } from '../src/json-schemas.js';

describe('schemas/task-config.schema.json', () => {
  it('is what `pnpm schemas` writes from the zod schema (run it after changing the schema)', () => {
    for (const [name, schema] of Object.entries(evaluationJsonSchemas())) {
      const file = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schemas', name), 'utf8'));
      expect(file, `schemas/${name} is out of date: run pnpm schemas`).toEqual(schema);
    }
  });

  it('describes one task config or a list, without the functions only code can give', () => {
    const schema = evaluationJsonSchemas()['task-config.schema.json'] as { anyOf: Array<Record<string, unknown>> };
    const [one, list] = schema.anyOf as [{ properties: Record<string, unknown>; required: string[] }, { type: string }];
    expect(one.required).toEqual(['name', 'output', 'data', 'metrics']);
    expect(Object.keys(one.properties)).not.toContain('check');
    expect(list.type).toBe('array');
  });
});
