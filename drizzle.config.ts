import { defineConfig } from "drizzle-kit";

// Only `drizzle-kit generate` is used (npm run db:generate): it writes SQL migrations into drizzle/,
// which scripts/migrate.ts and the start/test setup apply with drizzle-orm's migrator.
// (`drizzle-kit push` mis-handles JSON columns on MariaDB; don't use it.)
export default defineConfig({
  dialect: "mysql",
  schema: "./lib/db/schema.ts",
  out: "./drizzle",
});
