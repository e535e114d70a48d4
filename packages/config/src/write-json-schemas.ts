// Writing the generated JSON Schema files (each owning package's `pnpm schemas`). A subpath of its
// own (@ftlab/config/write-json-schemas): it runs the formatter, which nothing that only checks a
// config (the dashboard's bundle included) should load.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Writes each schema to `dir/<name>`, formatted by the repository's formatter (Biome) so the
 * files pass the lint as they are generated. Run by each owning package's `pnpm schemas`.
 */
export function writeJsonSchemas(dir: string, schemas: Record<string, Record<string, unknown>>): void {
  const files = Object.entries(schemas).map(([name, schema]) => {
    const path = join(dir, name);
    writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
    return path;
  });
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', ...files], { stdio: 'inherit' });
  for (const file of files) console.log(`wrote ${file}`);
}
