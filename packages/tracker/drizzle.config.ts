// drizzle-kit reads this to turn src/schema.ts into SQL migrations under drizzle/
// (`pnpm --filter @ftlab/tracker db:generate`). The store applies them itself on open
// (src/migrate.ts), so drizzle-kit is only a development tool.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema.ts',
  out: './drizzle',
});
