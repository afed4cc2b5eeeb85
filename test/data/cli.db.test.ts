/** The data commands refuse bad input with a clear message and a usage (2) or bad-input (3) exit code. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: process.env,
    timeout: 60_000,
  });

describe("campaign and data CLI", () => {
  it("campaign: unknown family, foreign platform, bad numbers and unknown options are usage errors", { timeout: 120_000 }, () => {
    for (const [args, msg] of [
      [["--family", "transformerxl"], /unknown family 'transformerxl'/],
      [["--platform", "arm-64c/ort-cpu-1.30/fp32/t1"], /not served by this host/],
      [["--per-family", "0"], /--per-family must be a number/],
      [["--batch", "1.5"], /--batch must be a number/],
      [["--frobnicate"], /Unknown option/],
    ] as const) {
      const r = run("scripts/campaign.ts", [...args]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toMatch(/usage: npm run campaign/);
    }
  });

  it("data:import: a missing release is NOT_FOUND with exit code 3", { timeout: 60_000 }, () => {
    const r = run("scripts/release-import.ts", ["--dir", path.join(ROOT, "tmp/no-such-release")]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/NOT_FOUND: no data release at .*no-such-release/);
  });
});
