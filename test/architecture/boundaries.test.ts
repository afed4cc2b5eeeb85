/**
 * The layering rules of docs/architecture.md, checked on every import of the source tree (static `import … from`,
 * `export … from`, dynamic `import()`), so a change that crosses a boundary fails here, not in review:
 * - app/ and components/ hold no SQL: no drizzle-orm, mysql2 or the table schema (they read through lib/);
 * - lib/ never imports app/, components/ or workers/; components/ take only types from lib/services;
 * - app/ and components/ never import lib/db at all: pages read through lib/services (server-only
 *   lib/services/pages.ts opens the database for them), route handlers get `db` from route();
 * - lib/db holds tables and queries: it imports none of services, auth, api, measure, worker (seeding is
 *   the service lib/services/seed.ts);
 * - lib/onnx, lib/zoo and lib/predict never import lib/db, next or next-auth;
 * - lib/onnx and lib/zoo are isomorphic: no Node built-ins (they run in a browser Web Worker too);
 * - workers/ never import app/; workers/measure/ (the device side) never imports lib/db or lib/services:
 *   it reaches the server through its job transport only;
 * - no import cycles among the files under lib/ (type-only and dynamic imports count, as madge counts them).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|js|mjs)$/.test(e.name))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

const IMPORT =
  /(?:^|[^\w.])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|[^\w.])import\s*\(\s*["']([^"']+)["']\s*\)|(?:^|[^\w.])import\s*["']([^"']+)["']/gm;

/** Import specifiers of a file, with "@/…" and relative paths turned into repository paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith("@/")) out.push(spec.slice(2));
    else if (spec.startsWith(".")) out.push(path.relative(root, path.resolve(root, path.dirname(file), spec)));
    else out.push(spec);
  }
  return out;
}

function violations(dirs: string[], forbidden: (spec: string) => boolean): string[] {
  return dirs.flatMap(sources).flatMap((f) => importsOf(f).filter(forbidden).map((s) => `${f} imports ${s}`));
}

const under = (spec: string, dir: string) => spec === dir || spec.startsWith(`${dir}/`);
const isPackage = (spec: string, name: string) => spec === name || spec.startsWith(`${name}/`);

describe("layering", () => {
  it("the import scanner sees static, re-exported and dynamic imports", () => {
    const files = sources("lib/onnx");
    expect(files.length).toBeGreaterThan(10);
    expect(importsOf("lib/onnx/index.ts")).toContain("lib/onnx/strip");
    expect(sources("cli").flatMap(importsOf)).toContain("cli/commands/inspect"); // import("./commands/inspect")
    expect(
      sources("app")
        .flatMap(importsOf)
        .some((s) => under(s, "lib/services")),
    ).toBe(true);
  });

  it("app/ and components/ hold no SQL: no drizzle-orm, mysql2 or table schema", () => {
    expect(
      violations(["app", "components"], (s) => isPackage(s, "drizzle-orm") || isPackage(s, "mysql2") || under(s, "lib/db/schema")),
    ).toEqual([]);
  });

  it("lib/onnx, lib/zoo and lib/predict never import lib/db, next or next-auth", () => {
    expect(
      violations(["lib/onnx", "lib/zoo", "lib/predict"], (s) => under(s, "lib/db") || isPackage(s, "next") || isPackage(s, "next-auth")),
    ).toEqual([]);
  });

  it("lib/onnx and lib/zoo import no Node built-ins (they run in the browser)", () => {
    expect(
      violations(
        ["lib/onnx", "lib/zoo"],
        (s) => s.startsWith("node:") || ["fs", "path", "os", "crypto", "child_process", "worker_threads"].includes(s),
      ),
    ).toEqual([]);
  });

  it("workers/ never import app/", () => {
    expect(violations(["workers"], (s) => under(s, "app"))).toEqual([]);
  });

  it("app/ and components/ never import lib/db (pages read through lib/services, handlers get db from route())", () => {
    expect(violations(["app", "components"], (s) => under(s, "lib/db"))).toEqual([]);
  });

  it("lib/db holds tables and queries only: it never imports the layers above it (services, auth, api, measure, worker)", () => {
    const above = ["lib/services", "lib/auth", "lib/api", "lib/measure", "lib/worker", "workers", "app", "components"];
    expect(violations(["lib/db"], (s) => above.some((d) => under(s, d)))).toEqual([]);
  });

  it("lib/ never imports app/, components/ or workers/ (the layers above it)", () => {
    expect(violations(["lib"], (s) => under(s, "app") || under(s, "components") || under(s, "workers"))).toEqual([]);
  });

  it("components/ take only types from lib/services (the browser never bundles a service)", () => {
    const valueImport = /^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s*["'](@\/lib\/services[^"']*)["']/gm;
    const found = sources("components").flatMap((f) =>
      [...fs.readFileSync(path.join(root, f), "utf8").matchAll(valueImport)].map((m) => `${f} imports ${m[1]} as a value`),
    );
    expect(found).toEqual([]);
  });

  it("workers/measure/ never imports lib/db or lib/services (the device side talks to the server through its transport)", () => {
    expect(violations(["workers/measure"], (s) => under(s, "lib/db") || under(s, "lib/services"))).toEqual([]);
  });
});

const EXTENSIONS = ["", ".ts", ".tsx", ".mts", ".js", ".mjs", "/index.ts", "/index.tsx"];

/** The import graph of the source files under `dir`: file → the files under `dir` it imports (resolved as TypeScript does). */
function importGraph(dir: string): Map<string, string[]> {
  const files = new Set(sources(dir));
  const resolve = (spec: string) => EXTENSIONS.map((e) => spec + e).find((c) => files.has(c));
  return new Map([...files].map((f) => [f, [...new Set(importsOf(f).map(resolve).filter((t): t is string => t !== undefined))]]));
}

/**
 * Every import cycle of a graph, one per strongly connected component (Tarjan), each reported as a path
 * `a → b → … → a` through that component.
 */
function importCycles(graph: Map<string, string[]>): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(c);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => {
    const inside = new Set(c);
    const start = [...c].sort()[0]!;
    // breadth-first from start's successors back to start, inside the component: the shortest cycle through start
    const prev = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      const next = (graph.get(v) ?? []).filter((w) => inside.has(w)).sort();
      if (next.includes(start)) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
        return [...path, start].join(" → ");
      }
      for (const w of next) {
        if (prev.has(w) || w === start) continue;
        prev.set(w, v);
        queue.push(w);
      }
    }
    return `${start} → … → ${start}`;
  });
}

describe("import cycles", () => {
  it("the cycle finder reports a cycle with its path, and none in a tree", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c", "d"]],
      ["c", ["a"]],
      ["d", []],
      ["e", ["e"]],
    ]);
    expect(importCycles(g)).toEqual(["a → b → c → a", "e → e"]);
    expect(importCycles(new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]]))).toEqual([]);
  });

  it("the import graph of lib/ resolves @/ and relative imports to files", () => {
    const g = importGraph("lib");
    expect(g.get("lib/onnx/index.ts")).toContain("lib/onnx/strip.ts");
    expect([...g.values()].flat().some((t) => t.startsWith("lib/errors"))).toBe(true);
  });

  it("no import cycles under lib/", () => {
    expect(importCycles(importGraph("lib"))).toEqual([]);
  });
});
