/**
 * Data migration to exact hardware identities (issue 16), run by runMigrations after the SQL migrations.
 *
 * Platform slugs used to name hardware by CPU family and core count only (x86-epyc-2c), so two CPUs that
 * run different kernels (an EPYC with AVX-512 and one without) shared a platform. Today's hardware part is
 * `<arch>-<microarch>-<isa tier>-<cores>c` (lib/hardware-identity.ts). For every platform whose hardware is
 * of the old scheme, each measurement moves to the platform of its recorded identity — hardwareSlugOfRecord
 * of its env.host — created where missing with the same runtime, version, precision, threads and config;
 * the moved pairs' latest_measurements rows are rebuilt (newest clean, else newest); the old platform is
 * deleted when nothing references it any more, else deactivated (it takes no new work: a worker of today
 * registers its exact identity). Measurements that recorded no host stay where they are (their identity is
 * unknown; they are protocol v1 history).
 *
 * Idempotent: a second run finds nothing to move (only host-less rows remain on old platforms) and changes
 * nothing.
 */
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { identityOfRecordedHost, isOldStyleHardwareSlug } from "../hardware-identity";
import type { DbOrTx } from "./client";
import { rebuildLatestOfPlatform } from "./measurements";
import { devices, jobs, latestMeasurements, measurements, platforms, predictions, quotas, usageLedger, type Platform } from "./schema";

export interface ReidentifySummary {
  /** old platform slug → { new slug → measurements moved } */
  moved: Record<string, Record<string, number>>;
  created: string[];
  deleted: string[];
  deactivated: string[];
}

const PAGE = 2000;

/** The identity a measurement's env recorded (its env.host), or null when it recorded none. */
export function identityOfEnv(env: unknown): string | null {
  return identityOfRecordedHost((env as { host?: unknown } | null)?.host);
}

/** The platform of `old`'s runtime, version, precision and threads on `hardware` (created when missing). */
async function platformOn(db: DbOrTx, old: Platform, hardware: string, created: string[]): Promise<Platform> {
  const slug = `${hardware}${old.slug.slice(old.slug.indexOf("/"))}`;
  const [have] = await db.select().from(platforms).where(eq(platforms.slug, slug)).limit(1);
  if (have) return have;
  const rename = (s: string) => s.split(old.hardware).join(hardware);
  await db.insert(platforms).values({
    slug,
    name: rename(old.name),
    hardware,
    runtime: old.runtime,
    runtimeVersion: old.runtimeVersion,
    precision: old.precision,
    threads: old.threads,
    config: old.config,
    description: old.description === null ? null : rename(old.description),
    active: true,
  });
  created.push(slug);
  return (await db.select().from(platforms).where(eq(platforms.slug, slug)).limit(1))[0]!;
}

async function referenced(db: DbOrTx, platformId: number): Promise<boolean> {
  for (const t of [measurements, latestMeasurements, jobs, devices, quotas, usageLedger, predictions]) {
    const [r] = await db.select({ one: sql<number>`1` }).from(t).where(eq(t.platformId, platformId)).limit(1);
    if (r) return true;
  }
  return false;
}

/** Moves every old-scheme platform's measurements to the platforms of their recorded identities. */
export async function reidentifyPlatforms(db: DbOrTx): Promise<ReidentifySummary> {
  const out: ReidentifySummary = { moved: {}, created: [], deleted: [], deactivated: [] };
  const all = await db.select().from(platforms).orderBy(asc(platforms.id));
  for (const old of all.filter((p) => isOldStyleHardwareSlug(p.hardware))) {
    // which identity each measurement belongs to (host-less rows: unknown, they stay)
    const byTarget = new Map<string, number[]>();
    for (let after = 0; ; ) {
      const rows = await db
        .select({ id: measurements.id, env: measurements.env })
        .from(measurements)
        .where(and(eq(measurements.platformId, old.id), gt(measurements.id, after)))
        .orderBy(asc(measurements.id))
        .limit(PAGE);
      for (const r of rows) {
        const hw = identityOfEnv(r.env);
        if (hw && hw !== old.hardware) byTarget.set(hw, [...(byTarget.get(hw) ?? []), r.id]);
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
    if (byTarget.size) {
      await db.transaction(async (tx) => {
        const moved: Record<string, number> = {};
        const targets: number[] = [];
        for (const [hw, ids] of byTarget) {
          const target = await platformOn(tx, old, hw, out.created);
          for (let i = 0; i < ids.length; i += PAGE) {
            await tx
              .update(measurements)
              .set({ platformId: target.id })
              .where(inArray(measurements.id, ids.slice(i, i + PAGE)));
          }
          moved[target.slug] = ids.length;
          targets.push(target.id);
        }
        for (const pid of [old.id, ...targets]) await rebuildLatestOfPlatform(tx, { platformId: pid });
        out.moved[old.slug] = moved;
      });
    }
    if (!(await referenced(db, old.id))) {
      await db.delete(platforms).where(eq(platforms.id, old.id));
      out.deleted.push(old.slug);
    } else if (old.active) {
      await db.update(platforms).set({ active: false }).where(eq(platforms.id, old.id));
      out.deactivated.push(old.slug);
    }
  }
  return out;
}
