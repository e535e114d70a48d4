// The JSON Schema file this package owns (schemas/), generated from its zod schema by
// `pnpm schemas`: a JSON task file (`ftlab eval --task-file`), one task config or a list.
import { jsonSchemaOf } from '@ftlab/config';
import { TaskFileSchema } from './harness/task-schema.js';

/** File name under schemas/ -> its JSON Schema. */
export function evaluationJsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'task-config.schema.json': jsonSchemaOf(TaskFileSchema, {
      title: 'ftlab task config',
      generatedBy: '`pnpm schemas` (packages/evaluation/scripts/write-schemas.ts)',
    }),
  };
}
