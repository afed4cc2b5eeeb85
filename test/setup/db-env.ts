/** Runs in each "db" test worker: points lib/db's getDb() at this run's database. */
import { inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.NEXTAUTH_SECRET ??= "nnlq-test-secret-not-for-production";
