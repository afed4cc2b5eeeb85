import { defineConfig } from "vitest/config";
import path from "node:path";

// measurements in tests run beside other test files on a busy machine: they do not wait for a quiet host
// (protocol v2 grades them estimated/contended instead); a test that needs waiting sets it itself
process.env.NNLQ_MEASURE_MAX_WAIT_S ??= "0";
// ... so many of them are graded estimated: no retakes of those (extra jobs) unless a test is about retakes
process.env.NNLQ_RETAKES ??= "0";

/**
 * Browser tests (test/e2e/*.e2e.ts): test/setup/global-e2e.ts builds the app when stale, starts
 * `next start` on a free port against its own test database, and exposes inject("baseUrl").
 * Chromium is driven by playwright-core (Debian's /usr/bin/chromium, or CHROMIUM_PATH).
 */
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    globalSetup: ["test/setup/global-e2e.ts"],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: "forks",
    fileParallelism: false,
  },
});
