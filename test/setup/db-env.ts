/**
 * Runs in each "db" test worker: points lib/db's getDb() at this run's database, and the predictor store at a
 * temporary folder of the worker's own (a test that imports the data release registers the predictor
 * versions it ships: their files must not land in the repository's .data/predictors). A test that trains
 * or serves from a store of its own sets NNLQ_PREDICTORS_DIR itself.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.NEXTAUTH_SECRET ??= "nnlq-test-secret-not-for-production";

if (!process.env.NNLQ_PREDICTORS_DIR) {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-test-predictors-"));
  process.env.NNLQ_PREDICTORS_DIR = store;
  process.once("exit", () => fs.rmSync(store, { recursive: true, force: true }));
}
