/** The zoo scripts' argument handling (npm run zoo:spread / zoo:sweep): real processes, no real sweep. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ZOO_FAMILIES } from "@/lib/zoo";

const root = path.resolve(import.meta.dirname, "../..");

function script(name: "zoo-spread" | "zoo-sweep", ...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, `scripts/${name}.ts`), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each(["zoo-spread", "zoo-sweep"] as const)("%s arguments", (name) => {
  it("--help prints the usage and the families, exit 0", () => {
    const r = script(name, "--help");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run zoo:/);
    expect(r.stdout).toContain(ZOO_FAMILIES.join(", "));
  });

  it("bad numbers, unknown families and unknown options: one line on stderr, exit 2, no stack trace", () => {
    const cases: [string[], RegExp][] = [
      [["--count", "abc"], /--count must be an integer in 1…100000 \(got 'abc'\)/],
      [["--count", "0"], /--count must be an integer in 1…100000 \(got '0'\)/],
      [["--count=-1"], /--count must be an integer/],
      [["--count", "-1"], /--count -1: a value starting with '-' must be written --count=-1/],
      [["--seed", "1.5"], /--seed must be an integer in 0…/],
      [["--families", "lenet"], new RegExp(`--families: unknown 'lenet' \\(known: ${ZOO_FAMILIES.join(", ")}\\)`)],
      [["--families", "resnet,lenet"], /unknown 'lenet'/],
      [["--bogus"], /Unknown option '--bogus'/],
    ];
    if (name === "zoo-sweep") cases.push([["--threads", "0"], /--threads must be an integer in 1…256/]);
    for (const [args, message] of cases) {
      const r = script(name, ...args);
      const label = `${name} ${args.join(" ")}`;
      expect(r.code, label).toBe(2);
      expect(r.stderr, label).toMatch(message);
      expect(r.stderr.trimEnd().split("\n"), label).toHaveLength(1);
      expect(r.stderr, label).toMatch(new RegExp(`^zoo:${name.slice(4)}: `));
      expect(r.stderr, label).not.toMatch(/\n\s+at |Error:/);
      expect(r.stdout, label).toBe("");
    }
  });
});
