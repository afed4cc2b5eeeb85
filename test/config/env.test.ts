/** lib/env.ts: every environment variable declared once, checked with a clear message, and README's tables agree. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ENV, env, envProblems, envValue } from "@/lib/env";

const root = path.resolve(import.meta.dirname, "../..");

describe("lib/env.ts", () => {
  afterEach(() => {
    delete process.env.NNLQ_ANON_RPS;
  });

  it("typed values with defaults; unset or blank reads as the default", () => {
    const e = env({ NNLQ_ANON_RPS: "2.5", PORT: "8080", NNLQ_DEMO: "0", NNLQ_TF_BACKEND: "cpu", NNLQ_COMPUTE_THREADS: "0" });
    expect(e.NNLQ_ANON_RPS).toBe(2.5);
    expect(e.PORT).toBe(8080);
    expect(e.NNLQ_DEMO).toBe(false);
    expect(e.NNLQ_TF_BACKEND).toBe("cpu");
    expect(e.NNLQ_COMPUTE_THREADS).toBe(0);
    const d = env({ PORT: " " });
    expect(d.PORT).toBe(3000);
    expect(d.NNLQ_ANON_BURST).toBe(30);
    expect(d.NNLQ_READ_CACHE).toBe(true);
    expect(d.NNLQ_MEASURE_POOL).toBe(false);
    expect(d.NNLQ_URL).toBe("http://localhost:3000");
    expect(d.NNLQ_API_KEY).toBeUndefined();
    expect(d.NNLQ_COMPUTE_THREADS).toBeGreaterThanOrEqual(2);
  });

  it("reads process.env when used, so a test that sets a variable first sees it", () => {
    const e = env();
    expect(e.NNLQ_ANON_RPS).toBe(5);
    process.env.NNLQ_ANON_RPS = "7";
    expect(e.NNLQ_ANON_RPS).toBe(7);
    expect(envValue("NNLQ_ANON_RPS")).toBe(7);
  });

  it("a bad value: one line naming the variable and what it accepts; the read site gets the default", () => {
    const bad = { NNLQ_ANON_RPS: "abc", PORT: "70000", NNLQ_DEMO: "no", NNLQ_URL: "ftp://x", NNLQ_TF_BACKEND: "gpu", NNLQ_MAX_NODES: "1e5", DATABASE_URL: "postgres://x/y" };
    expect(envProblems(bad)).toEqual([
      "DATABASE_URL='postgres://x/y': expected a mysql/mariadb URL such as mysql://user:password@host:3306/nnlq",
      "PORT='70000': expected an integer in 1…65535",
      "NNLQ_ANON_RPS='abc': expected a number > 0",
      "NNLQ_DEMO='no': expected 0 or 1",
      "NNLQ_MAX_NODES='1e5': expected an integer in 1…100000000",
      "NNLQ_URL='ftp://x': expected a http/https URL such as http://localhost:3000",
      "NNLQ_TF_BACKEND='gpu': expected wasm or cpu",
    ]);
    expect(envProblems({ PORT: "3001", NNLQ_DEMO: "1", DATABASE_URL: "mysql://root@127.0.0.1:3306/nnlq" })).toEqual([]);
    expect(env(bad).NNLQ_ANON_RPS).toBe(5);
    expect(env(bad).NNLQ_DEMO).toBe(true);
  });

  it("README's configuration tables list exactly the variables lib/env.ts declares", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const listed = new Set<string>();
    for (const line of readme.split("\n")) {
      const first = /^\| ([^|]+) \|/.exec(line)?.[1];
      if (!first) continue;
      for (const m of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) listed.add(m[1]!);
    }
    const declared = new Set(Object.keys(ENV));
    expect([...declared].filter((v) => !listed.has(v)), "declared in lib/env.ts, missing from README").toEqual([]);
    expect([...listed].filter((v) => !declared.has(v)), "in README, not declared in lib/env.ts").toEqual([]);
  });

  it("a CLI started with a bad value stops with exit 2 and the line", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "cli/main.ts"), "--help"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NNLQ_URL: "localhost:3000" },
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("nnlq: NNLQ_URL='localhost:3000': expected a http/https URL such as http://localhost:3000\n");
  });
});
