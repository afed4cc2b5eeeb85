/** The campaign's quiet gate (waitForQuietHost) on injected readings: no real waiting. */
import { describe, expect, it } from "vitest";
import { waitForQuietHost, type InterferenceReading } from "@/lib/measure/interference";

/** A fake host: `busy(t)` = share of all cores busy outside this process at time t (ms). */
function fakeHost(busy: (t: number) => number, cores = 2) {
  let t = 0;
  let hostBusy = 0;
  const probe = (): InterferenceReading => ({ atMs: t, hostBusyMs: hostBusy, ownCpuMs: 0, runqDelayMs: 0, nivcsw: 0, known: true });
  const sleep = async (ms: number) => {
    hostBusy += busy(t) * ms * cores;
    t += ms;
  };
  return { probe, sleep, now: () => t };
}

describe("waitForQuietHost", () => {
  it("returns at once (after one quiet second) on a quiet host", async () => {
    const h = fakeHost(() => 0.01);
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep });
    expect(r).toEqual({ quiet: true, waitedMs: 1000 });
  });

  it("waits out a busy stretch and needs a whole quiet second after it", async () => {
    const h = fakeHost((t) => (t < 5000 ? 0.5 : t < 5500 ? 0 : t < 5750 ? 0.3 : 0));
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep });
    expect(r.quiet).toBe(true);
    // quiet 5000–5500, disturbed 5500–5750, then a full quiet second: 5750 + 1000
    expect(r.waitedMs).toBe(6750);
  });

  it("gives up at maxWaitMs on a host that never calms down", async () => {
    const h = fakeHost(() => 0.2);
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep, maxWaitMs: 3000 });
    expect(r).toEqual({ quiet: false, waitedMs: 3000 });
  });

  it("stops waiting as soon as giveUp says so (a user's job waits for the device)", async () => {
    const h = fakeHost(() => 0.5);
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep, giveUp: () => h.now() >= 1000 });
    expect(r).toEqual({ quiet: false, waitedMs: 1000 });
  });

  it("does not wait where the host counters cannot be read", async () => {
    const r = await waitForQuietHost({
      cores: 2,
      probe: () => ({ atMs: 0, hostBusyMs: NaN, ownCpuMs: 0, runqDelayMs: NaN, nivcsw: 0, known: false }),
      sleep: async () => {
        throw new Error("must not sleep");
      },
    });
    expect(r).toEqual({ quiet: false, waitedMs: 0 });
  });
});
