/**
 * Acceptance of the shipped release: data/release-v2 loads into an empty database through the start
 * command's hook (loadReleaseIfEmpty), fast, and the platform × family counts it carries are what
 * GET /api/v1/stats/matrix answers for anonymous callers: every grade with quality=all, only the models
 * with a clean measurement by default (the legacy history of release v1 is never counted there).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb, type DbHandle } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { loadReleaseIfEmpty, readRelease } from "@/lib/services/release";
import { GET as matrixGet } from "@/app/api/v1/stats/matrix/route";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

let fresh: TestDatabase;
let h: DbHandle;
const runUrl = process.env.DATABASE_URL;

beforeAll(async () => {
  fresh = await createTestDatabase();
  h = createDb(fresh.url, { connectionLimit: 2 });
  await seed(h.db, { demo: false });
  await closeDb();
  process.env.DATABASE_URL = fresh.url; // the route handlers read getDb()
}, 120_000);

afterAll(async () => {
  await closeDb();
  process.env.DATABASE_URL = runUrl;
  await h?.close();
  await fresh?.drop();
});

describe("the shipped data release", () => {
  it("loads into an empty database and shows its platform × family counts through /api/v1/stats/matrix", { timeout: 120_000 }, async () => {
    const release = readRelease();
    const r = await loadReleaseIfEmpty(h.db);
    expect(r).not.toBeNull();
    expect(r!.measurementsInserted).toBe(release.measurements.length);
    expect(r!.verified.mismatched).toEqual([]);
    expect(await loadReleaseIfEmpty(h.db)).toBeNull(); // not empty any more

    const cell = async (batch: string, quality: "all" | "clean") => {
      const res = await matrixGet(new Request(`http://localhost/api/v1/stats/matrix?batch=${batch.slice(1)}&quality=${quality}`), {
        params: Promise.resolve({}),
      } as never);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { cells: { platform: string; family: string; count: number; medianMs: number }[] };
      return (slug: string, family: string) => body.cells.find((c) => c.platform === slug && c.family === family);
    };
    for (const [slug, byBatch] of Object.entries(release.manifest.matrix)) {
      for (const [b, fams] of Object.entries(byBatch)) {
        const all = await cell(b, "all");
        for (const [family, n] of Object.entries(fams)) {
          expect(all(slug, family)?.count, `${slug} ${b} ${family}`).toBe(n);
          expect(all(slug, family)!.medianMs).toBeGreaterThan(0);
        }
      }
    }
    // clean (the default): distinct models with a clean measurement (MANIFEST matrixClean); none on the history identities
    const clean = release.manifest.matrixClean!;
    expect(Object.keys(clean).filter((p) => /^x86-(zen4-avx512|sapphirerapids-amx)-2c\//.test(p))).toEqual([]);
    const b1 = await cell("b1", "clean");
    for (const [slug, byBatch] of Object.entries(release.manifest.matrix))
      for (const family of Object.keys(byBatch.b1 ?? {}))
        expect(b1(slug, family)?.count ?? 0, `${slug} b1 ${family} clean`).toBe(clean[slug]?.b1?.[family] ?? 0);
  });
});
