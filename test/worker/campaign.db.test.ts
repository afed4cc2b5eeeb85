/**
 * The campaign runs through the one worker loop (workers/campaign.ts → Worker → in-process transport):
 * a stop while a job is being measured kills the measurement at once, gives the job back to the queue
 * without using an attempt, takes the campaign's device offline, and counts nothing; a failing measurement
 * fails its job for good and is counted, with its phase timings.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createDb, type DbHandle } from "@/lib/db/client";
import { devices, jobs } from "@/lib/db/schema";
import { NnlqError } from "@/lib/errors";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import type { Stage } from "@/lib/services/campaign";
import { seed } from "@/lib/services/seed";
import { runCampaign } from "@/workers/campaign";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const host = detectHost();
const [t1, other] = [localPlatforms(host)[0]!, localPlatforms(host)[1]!];
const lock = `nnlq-test-campaign-${process.pid}`;
let T: TestDatabase;
let h: DbHandle;

beforeAll(async () => {
  T = await createTestDatabase();
  h = createDb(T.url, { connectionLimit: 3 });
  await seed(h.db, { demo: false });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await T?.drop();
});

describe("campaign through the worker loop", () => {
  it("a stop mid-measurement kills it, gives the job back unused and takes the device offline", { timeout: 60_000 }, async () => {
    const stage: Stage = { name: "stop", platform: t1.slug, batch: 1, perFamily: 1, families: ["alexnet"] };
    const controller = new AbortController();
    let measuring = 0;
    const s = await runCampaign(h.db, {
      stages: [stage], host, lock, signal: controller.signal, deviceName: "campaign-stop-test",
      measure: (_bytes, _slug, o) =>
        new Promise((_resolve, reject) => {
          measuring++;
          setTimeout(() => controller.abort(), 50);
          o.signal!.addEventListener("abort", () => reject(new NnlqError("MEASUREMENT_FAILED", "aborted", { aborted: true })), {
            once: true,
          });
        }),
    });
    expect(measuring).toBe(1);
    expect(s).toMatchObject({ measured: 0, failed: 0, stoppedEarly: true });
    const [job] = await h.db.select().from(jobs);
    expect(job).toMatchObject({ state: "queued", attempts: 0 });
    const [dev] = await h.db.select().from(devices).where(eq(devices.hostName, `${host.hostname}/campaign-stop-test`));
    expect(dev!.status).toBe("offline");
  });

  it("a failing measurement fails its job for good and is counted, with progress and phase timings", { timeout: 60_000 }, async () => {
    // another platform: the job the first test gave back still waits on t1, and would be claimed first
    const stage: Stage = { name: "fail", platform: other.slug, batch: 1, perFamily: 1, families: ["squeezenet"] };
    const seen: { done: number; failed: number; total: number; last?: string }[] = [];
    const s = await runCampaign(h.db, {
      stages: [stage], host, lock, deviceName: "campaign-fail-test",
      measure: async () => {
        throw new NnlqError("UNSUPPORTED_OPERATOR", "Operator Foo is not supported");
      },
      progress: (p) => seen.push({ done: p.done, failed: p.failed, total: p.total, last: p.last }),
    });
    expect(s).toMatchObject({
      measured: 0,
      failed: 1,
      stoppedEarly: false,
      byStage: { fail: { planned: 1, missing: 1, measured: 0, failed: 1 } },
    });
    expect(seen).toEqual([{ done: 1, failed: 1, total: 1, last: "UNSUPPORTED_OPERATOR: Operator Foo is not supported" }]);
    expect(s.phases.claim).toBeGreaterThan(0);
    expect(s.phases.fetch).toBeGreaterThan(0);
    expect(s.phases.measure).toBeGreaterThanOrEqual(0);
    const failed = await h.db.select().from(jobs).where(eq(jobs.state, "failed"));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ errorCode: "UNSUPPORTED_OPERATOR", attempts: 1 });
  });
});
