/**
 * Acceptance of the shipped release: data/release-v1 loads into an empty database through the start
 * command's hook (loadReleaseIfEmpty), fast, and the platform × family counts it carries are what
 * GET /api/v1/stats/matrix answers for anonymous callers.
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

    for (const [slug, byBatch] of Object.entries(release.manifest.matrix)) {
      for (const [b, fams] of Object.entries(byBatch)) {
        const res = await matrixGet(new Request(`http://localhost/api/v1/stats/matrix?batch=${b.slice(1)}`), {
          params: Promise.resolve({}),
        } as never);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { cells: { platform: string; family: string; count: number; medianMs: number }[] };
        for (const [family, n] of Object.entries(fams)) {
          const cell = body.cells.find((c) => c.platform === slug && c.family === family);
          expect(cell?.count, `${slug} ${b} ${family}`).toBe(n);
          expect(cell!.medianMs).toBeGreaterThan(0);
        }
      }
    }
  });
});
