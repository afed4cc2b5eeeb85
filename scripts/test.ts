/**
 * npm test — the whole suite:
 *   0. eslint (npm run lint)                       cached in node_modules/.cache/eslint; errors fail the run
 *   1. vitest run                                  unit tests + real-database integration tests (*.db.test.ts)
 *   2. vitest run --config vitest.e2e.config.ts    browser tests against a production build in Chromium
 * All run (even when one fails); the exit code is non-zero if any failed. Options go to both
 * (e.g. `npm test -- --reporter=dot`); file filters go to the suite they name (`npm test -- test/db`
 * runs only vitest, `npm test -- e2e/teams` only the browser suite); `--unit` / `--e2e` pick one suite.
 * The lint runs with the unit suite (the fast half), before it; `--no-lint` skips it.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const vitest = path.join(root, "node_modules/vitest/vitest.mjs");
const argv = process.argv.slice(2);
const options = argv.filter((a) => a.startsWith("-") && a !== "--unit" && a !== "--e2e" && a !== "--no-lint");
const filters = argv.filter((a) => !a.startsWith("-"));
const e2eFilters = filters.filter((f) => f.includes("e2e"));
const unitFilters = filters.filter((f) => !f.includes("e2e"));
const wanted = (key: "unit" | "e2e") =>
  argv.includes("--unit") || argv.includes("--e2e")
    ? argv.includes(`--${key}`)
    : !filters.length || (key === "unit" ? unitFilters : e2eFilters).length > 0;

const eslint = path.join(root, "node_modules/eslint/bin/eslint.js");
const lintArgs = ["--cache", "--cache-location", "node_modules/.cache/eslint/", "."];
const suites = [
  { name: "lint (eslint)", key: "unit" as const, bin: eslint, args: lintArgs, skip: argv.includes("--no-lint") },
  { name: "unit + integration", key: "unit" as const, bin: vitest, args: ["run", ...options, ...unitFilters] },
  { name: "browser (e2e)", key: "e2e" as const, bin: vitest, args: ["run", "--config", "vitest.e2e.config.ts", ...options, ...e2eFilters] },
].filter((s) => wanted(s.key) && !("skip" in s && s.skip));

const results: { name: string; ok: boolean; seconds: number }[] = [];
for (const s of suites) {
  console.log(`\n━━ ${s.name} ━━`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [s.bin, ...s.args], { cwd: root, stdio: "inherit", env: process.env });
  results.push({ name: s.name, ok: r.status === 0, seconds: (Date.now() - t0) / 1000 });
}

console.log("\n━━ summary ━━");
for (const r of results) console.log(`${r.ok ? "✓" : "✗"} ${r.name.padEnd(20)} ${r.seconds.toFixed(0)} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
