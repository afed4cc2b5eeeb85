/**
 * Seeding a fresh database, a use case over the db layer (idempotent; run by `npm run up` and `npm run
 * db:migrate` after migrating, and by the test and bench set-ups):
 *   - architecture families from lib/onnx/families.ts
 *   - the platforms this host can serve (lib/measure's registry: localPlatforms → platformRecord)
 *   - a demo team and user (printed by the start script), with a monthly device-seconds quota
 * The measurement data release is imported separately (lib/services/release.ts).
 */
import { ALL_FAMILIES, FAMILY_LABELS } from "@/lib/onnx/families";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import type { DbOrTx } from "@/lib/db/client";
import { localPlatforms, platformRecord } from "@/lib/measure/platforms";
import { upsertFamilies, upsertPlatform, type PlatformInput } from "@/lib/db/platforms";
import { DEMO_EMAIL, findUserByEmail, insertUser, setPasswordHash, setSiteAdmin } from "@/lib/db/users";
import { findTeamIdByNameAndCreator, insertTeamWithOwner } from "@/lib/db/teams";
import { setQuota } from "@/lib/db/usage";

export const DEMO = { email: DEMO_EMAIL, password: "nnlq-demo-1", name: "Demo User", team: "Demo lab" } as const;
export const DEMO_QUOTA_SECONDS = 3600;

/** The platforms this host's local worker serves, from lib/measure's registry (the single source). */
export function hostPlatforms(): PlatformInput[] {
  return localPlatforms().map(platformRecord);
}

export interface SeedResult {
  families: number;
  platforms: string[];
  demo: { email: string; password: string; teamId: number } | null;
}

/**
 * `hostPlatforms: false` leaves out this host's platform rows (tests whose fixtures name platforms that must not
 * depend on which CPU runs them).
 */
export async function seed(db: DbOrTx, opts: { demo?: boolean; hostPlatforms?: boolean } = {}): Promise<SeedResult> {
  await upsertFamilies(
    db,
    ALL_FAMILIES.map((name) => ({ name, label: FAMILY_LABELS[name] })),
  );
  const plats = [];
  if (opts.hostPlatforms ?? true) for (const p of hostPlatforms()) plats.push(await upsertPlatform(db, p));

  // Installs from before the first-sign-up rule was removed may have a demo user marked admin: un-admin it.
  const existingDemo = await findUserByEmail(db, { email: DEMO.email });
  if (existingDemo?.isSiteAdmin) await setSiteAdmin(db, { userId: existingDemo.id, isSiteAdmin: false });

  let demo: SeedResult["demo"] = null;
  if (opts.demo ?? true) {
    let user = await findUserByEmail(db, { email: DEMO.email });
    if (!user) {
      // never site admin: its password is public (printed at every start)
      user = await insertUser(db, { email: DEMO.email, name: DEMO.name, passwordHash: await hashPassword(DEMO.password) });
    } else if (!(await verifyPassword(DEMO.password, user.passwordHash))) {
      await setPasswordHash(db, { userId: user.id, passwordHash: await hashPassword(DEMO.password) });
    }
    const existing = await findTeamIdByNameAndCreator(db, { name: DEMO.team, createdBy: user.id });
    const teamId = existing ?? (await insertTeamWithOwner(db, { name: DEMO.team, ownerId: user.id })).id;
    for (const p of plats) await setQuota(db, { teamId, platformId: p.id, deviceSeconds: DEMO_QUOTA_SECONDS });
    demo = { email: DEMO.email, password: DEMO.password, teamId };
  }
  return { families: ALL_FAMILIES.length, platforms: plats.map((p) => p.slug), demo };
}
