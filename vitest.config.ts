import { defineConfig } from "vitest/config";
import path from "node:path";

// measurements in tests run beside other test files on a busy machine: they do not wait for a quiet host
// (protocol v2 grades them estimated/contended instead); a test that needs waiting sets it itself
process.env.NNLQ_MEASURE_MAX_WAIT_S ??= "0";
// ... so many of them are graded estimated: no retakes of those (extra jobs) unless a test is about retakes
process.env.NNLQ_RETAKES ??= "0";

/**
 * Two projects:
 *   unit  test/**\/*.test.ts      pure tests, no database, start instantly
 *   db    test/**\/*.db.test.ts   get a real MySQL database of their own: test/setup/global-db.ts creates
 *                               nnlq_test_<time>_<random>, migrates it, exposes it as DATABASE_URL
 *                               (and inject("databaseUrl")), and drops it afterwards.
 * Name a test file *.db.test.ts to get a database. Browser tests: vitest.e2e.config.ts.
 */
export default defineConfig({
  // "server-only" (lib/services/pages.ts) is Next's marker module; tests run on the server side, where it is empty
  resolve: { alias: { "@": path.resolve(import.meta.dirname), "server-only": "next/dist/compiled/server-only/empty.js" } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // pure tests share nothing: two files at a time on 2 cores (first group); the db group runs after,
          // one file at a time, since its files share one database
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.db.test.ts", "test/e2e/**", "node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "db",
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          include: ["test/**/*.db.test.ts"],
          exclude: ["test/e2e/**", "node_modules/**"],
          globalSetup: ["test/setup/global-db.ts"],
          setupFiles: ["test/setup/db-env.ts"],
        },
      },
    ],
  },
});
