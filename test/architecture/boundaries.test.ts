/**
 * The layering rules of DEVELOPERS.md, checked on every import of the source tree (static `import … from`,
 * `export … from`, dynamic `import()`), so a change that crosses a boundary fails here, not in review:
 * - app/ and components/ hold no SQL: no drizzle-orm, mysql2 or the table schema (they read through lib/);
 * - lib/onnx, lib/zoo and lib/predict never import lib/db, next or next-auth;
 * - lib/onnx and lib/zoo are isomorphic: no Node built-ins (they run in a browser Web Worker too);
 * - workers/ never import app/.
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

const IMPORT = /(?:^|[^\w.])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|[^\w.])import\s*\(\s*["']([^"']+)["']\s*\)|(?:^|[^\w.])import\s*["']([^"']+)["']/gm;

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
    expect(sources("app").flatMap(importsOf).some((s) => under(s, "lib/services"))).toBe(true);
  });

  it("app/ and components/ hold no SQL: no drizzle-orm, mysql2 or table schema", () => {
    expect(violations(["app", "components"], (s) => isPackage(s, "drizzle-orm") || isPackage(s, "mysql2") || under(s, "lib/db/schema"))).toEqual([]);
  });

  it("lib/onnx, lib/zoo and lib/predict never import lib/db, next or next-auth", () => {
    expect(violations(["lib/onnx", "lib/zoo", "lib/predict"], (s) => under(s, "lib/db") || isPackage(s, "next") || isPackage(s, "next-auth"))).toEqual([]);
  });

  it("lib/onnx and lib/zoo import no Node built-ins (they run in the browser)", () => {
    expect(violations(["lib/onnx", "lib/zoo"], (s) => s.startsWith("node:") || ["fs", "path", "os", "crypto", "child_process", "worker_threads"].includes(s))).toEqual([]);
  });

  it("workers/ never import app/", () => {
    expect(violations(["workers"], (s) => under(s, "app"))).toEqual([]);
  });
});
