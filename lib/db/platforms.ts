/** Platforms and architecture families (public reference data). */
import { asc, eq } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { architectureFamilies, platforms, type Platform, type PlatformConfig } from "./schema";

export interface PlatformInput {
  slug: string;
  name: string;
  hardware: string;
  runtime: string;
  runtimeVersion: string;
  precision: Platform["precision"];
  threads: number;
  config: PlatformConfig;
  description?: string | null;
}

/** `<hardware>/<runtime>-<version>/<precision>/t<threads>`, e.g. x86-epyc-2c/ort-cpu-1.30/fp32/t1 */
export function platformSlug(p: Pick<PlatformInput, "hardware" | "runtime" | "runtimeVersion" | "precision" | "threads">) {
  return `${p.hardware}/${p.runtime}-${p.runtimeVersion}/${p.precision}/t${p.threads}`;
}

export async function upsertPlatform(db: DbOrTx, input: PlatformInput): Promise<Platform> {
  await db
    .insert(platforms)
    .values(input)
    .onDuplicateKeyUpdate({ set: { name: input.name, config: input.config, description: input.description ?? null } });
  return (await getPlatformBySlug(db, { slug: input.slug }))!;
}

export async function listPlatforms(db: DbOrTx, { activeOnly = true }: { activeOnly?: boolean } = {}): Promise<Platform[]> {
  const q = db.select().from(platforms);
  return (activeOnly ? q.where(eq(platforms.active, true)) : q).orderBy(asc(platforms.slug));
}

export async function getPlatformBySlug(db: DbOrTx, { slug }: { slug: string }): Promise<Platform | null> {
  const [p] = await db.select().from(platforms).where(eq(platforms.slug, slug)).limit(1);
  return p ?? null;
}

export async function getPlatform(db: DbOrTx, { id }: { id: number }): Promise<Platform | null> {
  const [p] = await db.select().from(platforms).where(eq(platforms.id, id)).limit(1);
  return p ?? null;
}

export async function upsertFamilies(db: DbOrTx, rows: { name: string; label: string; description?: string | null }[]) {
  if (!rows.length) return;
  for (const r of rows) {
    await db.insert(architectureFamilies).values(r).onDuplicateKeyUpdate({ set: { label: r.label } });
  }
}

export async function listFamilies(db: DbOrTx) {
  return db.select().from(architectureFamilies).orderBy(asc(architectureFamilies.name));
}
