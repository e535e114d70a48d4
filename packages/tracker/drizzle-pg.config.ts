// drizzle-kit reads this to turn src/pg-schema.ts into the PostgreSQL migrations under
// drizzle-pg/ (`pnpm --filter @ftlab/tracker db:generate` runs it after the SQLite one). The
// store applies them itself on open (src/migrate.ts), as for SQLite.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/pg-schema.ts',
  out: './drizzle-pg',
});
