// Writes schemas/*.schema.json from the zod schemas (`pnpm schemas`). test/json-schemas.test.ts
// fails when the checked-in files differ from what this would write.
import { fileURLToPath } from 'node:url';
import { writeJsonSchemas } from '@ftlab/config/write-json-schemas';
import { evaluationJsonSchemas } from '../src/json-schemas.js';

writeJsonSchemas(fileURLToPath(new URL('../schemas', import.meta.url)), evaluationJsonSchemas());
