/** `npm run eval:predict` (and train:predict, through lib/args.ts) refuses bad arguments with exit code 2 and a message,
 * before loading any data. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
function script(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, file), ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, stderr: r.stderr };
}
const evalPredict = (...args: string[]) => script("scripts/eval-predict.ts", ...args);

describe("eval:predict arguments", () => {
  it("an unknown method or option, a bad penalty weight, a missing value and an unreadable merge input exit 2 with a message", () => {
    const m = evalPredict("--methods", "gnn,oracle");
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/unknown method oracle/);
    for (const w of ["abc", "-1"]) {
      const r = evalPredict(`--deviation-weight=${w}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--deviation-weight must be a number ≥ 0/);
    }
    for (const args of [["--deviation-weight", "-1"], ["--no-such-option"], ["--methods"]]) {
      const r = evalPredict(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^eval:predict: /);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const g = evalPredict("--merge", path.join(root, "no-such-report.json"));
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/eval:predict --merge: .*no-such-report\.json/);
  }, 60_000);

  it("train:predict too: a usage error is one line and exit 2", () => {
    const r = script("scripts/train.ts", "--no-such-option");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^train:predict: Unknown option '--no-such-option'/);
  }, 30_000);
});
