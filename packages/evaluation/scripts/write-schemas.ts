// Writes schemas/*.schema.json from the zod schemas (`pnpm schemas`). test/json-schemas.test.ts
// fails when the checked-in files differ from what this would write.
import { join } from 'node:path';
import { writeJsonSchemas } from '@ftlab/config';
import { evaluationJsonSchemas } from '../src/json-schemas.js';

writeJsonSchemas(join(import.meta.dirname, '..', 'schemas'), evaluationJsonSchemas());
