/**
 * The trainer process's way to the data (workers/train.ts): finds the database as every nnlq process does
 * (DATABASE_URL, else MySQL on 127.0.0.1:3306, else `npm run up`'s private server), requires it to be
 * migrated — migrations run in one place, at start-up (`npm run up`) or `npm run db:migrate`, never here —
 * and offers the predictor evolution (lib/services/predictors.ts) on it. The caller never holds a database
 * handle.
 */
import { NnlqError } from "@/lib/errors";
import { createDb } from "@/lib/db/client";
import { databaseHealth, type DbHealth } from "@/lib/db/meta";
import { resolveServer } from "@/lib/db/server";
import { evolvePredictors, type EvolveOutcome } from "./predictors";

type EvolveOptions = Parameters<typeof evolvePredictors>[1];

export interface TrainingData {
  /** the database, credentials hidden */
  where: string;
  evolve(o: EvolveOptions): Promise<EvolveOutcome[]>;
  close(): Promise<void>;
}

/** Why a database cannot be trained on (null: it can): unreachable, never migrated, or migrations pending. */
export function migrationProblem(health: DbHealth, where: string): string | null {
  const fix = "run `npm run db:migrate` (or start nnlq with `npm run up`, which migrates) first";
  if (!health.reachable) return `the database ${where} is not reachable (${health.error ?? "no answer"})`;
  if (!health.migration) return `the database ${where} has no nnlq tables (it was never migrated); ${fix}`;
  if (health.pending.length) {
    return `the database ${where} is not migrated to this version of nnlq (${health.pending.length} migration${health.pending.length === 1 ? "" : "s"} pending: ${health.pending.join(", ")}); ${fix}`;
  }
  return null;
}

/** Opens the database for training; DB_UNAVAILABLE with a clear message when it is unreachable or not migrated. */
export async function openTrainingData(o: { log?: (line: string) => void } = {}): Promise<TrainingData> {
  const server = await resolveServer({ log: o.log });
  const where = server.url.replace(/:[^:@/]*@/, ":***@");
  const h = createDb(server.url, { connectionLimit: 2 });
  const close = async () => {
    await h.close();
    await server.stop();
  };
  try {
    const problem = migrationProblem(await databaseHealth(h.db), where);
    if (problem) throw new NnlqError("DB_UNAVAILABLE", problem);
  } catch (e) {
    await close();
    throw e;
  }
  return { where, evolve: (opts) => evolvePredictors(h.db, opts), close };
}
