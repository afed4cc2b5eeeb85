/** `nnlq zoo` end to end: the real CLI process, real files. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { afterAll, describe, expect, it } from "vitest";
import { generate, ZOO_FAMILIES } from "@/lib/zoo";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "nnlq-zoo-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const digest = (b: Uint8Array) => bytesToHex(sha256(b));

function nnlq(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "cli/main.ts"), "zoo", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("nnlq zoo", () => {
  it("--list prints every family with its design space; --list --json is machine-readable", () => {
    const r = nnlq("--list");
    expect(r.code).toBe(0);
    for (const f of ZOO_FAMILIES) expect(r.stdout).toContain(`${f} (`);
    expect(r.stdout).toMatch(/cell\s+cell index 0–15624/);
    const j = nnlq("--list", "--json");
    expect(j.code).toBe(0);
    const spaces = JSON.parse(j.stdout);
    expect(Object.keys(spaces)).toEqual([...ZOO_FAMILIES]);
    expect(spaces.resnet.example.family).toBe("resnet");
  });

  it("writes ONNX files and specs.jsonl; each spec line regenerates its file byte for byte", () => {
    const out = path.join(tmp, "squeeze");
    const r = nnlq("--family", "squeezenet", "--count", "5", "--seed", "3", "--out", out, "--batch", "2");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote 5 ONNX models/);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      "specs.jsonl",
      "squeezenet-0000.onnx",
      "squeezenet-0001.onnx",
      "squeezenet-0002.onnx",
      "squeezenet-0003.onnx",
      "squeezenet-0004.onnx",
    ]);
    const lines = readFileSync(path.join(out, "specs.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    for (const { file, family, spec } of lines) {
      expect(family).toBe("squeezenet");
      expect(spec.batch).toBe(2);
      expect(digest(readFileSync(path.join(out, file)))).toBe(digest(generate(spec)));
    }
    // same seed → same draw
    const again = path.join(tmp, "squeeze2");
    expect(nnlq("--family", "squeezenet", "--count", "5", "--seed", "3", "--out", again, "--batch", "2").code).toBe(0);
    expect(readFileSync(path.join(again, "specs.jsonl"), "utf8")).toBe(readFileSync(path.join(out, "specs.jsonl"), "utf8"));
  });

  it("--family all draws every family; --weights fills the initializers; --spec builds one model", () => {
    const all = path.join(tmp, "all");
    // 128: a resolution every family accepts (MobileViT needs a multiple of 64; for BERT / LSTM it is the sequence length)
    expect(nnlq("--family", "all", "--count", "1", "--seed", "1", "--out", all, "--resolution", "128").code).toBe(0);
    expect(readdirSync(all).filter((f) => f.endsWith(".onnx"))).toHaveLength(ZOO_FAMILIES.length);

    const one = path.join(tmp, "one");
    const spec = { family: "mobilenetv3", variant: "small", width: 0.5, resolution: 96 };
    const r = nnlq("--spec", JSON.stringify(spec), "--out", one, "--weights");
    expect(r.code, r.stderr).toBe(0);
    const bytes = readFileSync(path.join(one, "mobilenetv3-0000.onnx"));
    expect(digest(bytes)).toBe(digest(generate(spec, { weights: true })));
    expect(bytes.length).toBeGreaterThan(generate(spec).length * 10);
  });

  it("bad arguments exit 2 with a clear message; an invalid spec exits 3", () => {
    const cases: [string[], RegExp][] = [
      [["--family", "lenet", "--count", "1", "--out", tmp], /unknown family 'lenet'/],
      [["--family", "resnet", "--count", "0", "--out", tmp], /--count must be an integer/],
      [["--family", "resnet", "--count", "2"], /--out <dir> is required/],
      [["--family", "resnet", "--out", tmp], /--count is required/],
      [["--family", "resnet", "--count", "1", "--out", tmp, "--batch", "99"], /--batch must be an integer in 1…64/],
      [["--family", "nasbench201", "--count", "1", "--out", tmp, "--resolution", "30"], /multiple of 4/],
      [["--count", "1", "--out", tmp], /--family <name\|all> is required/],
      [["--list", "--family", "vgg"], /--list takes no other options/],
      [["--bogus"], /Unknown option '--bogus'/],
      [["--spec", "{nope", "--out", tmp], /--spec must be a JSON object/],
      [
        ["--family", "resnet", "--count", "-1", "--out", tmp],
        /^nnlq zoo: --count -1: a value starting with '-' must be written --count=-1\n/,
      ],
      [
        ["--family", "resnet", "--count", "1", "--seed", "-3", "--out", tmp],
        /^nnlq zoo: --seed -3: a value starting with '-' must be written --seed=-3\n/,
      ],
      [["--family", "resnet", "--count=-1", "--out", tmp], /--count must be an integer in 1…100000 \(got '-1'\)/],
    ];
    for (const [args, message] of cases) {
      const r = nnlq(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain("usage:");
      expect(r.stderr, args.join(" ")).not.toMatch(/ambiguous|Did you forget/);
    }
    const bad = nnlq("--spec", JSON.stringify({ family: "resnet", depths: [1] }), "--out", tmp);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/VALIDATION: invalid resnet spec: depths/);
  });

  it("--out that cannot be a directory (a file, under a file, /dev/null, under /proc) exits 3 with one line", () => {
    const file = path.join(tmp, "a-file");
    writeFileSync(file, "x");
    const outs: [string, RegExp][] = [
      [file, /not a directory \(or under a file\) \(EEXIST\)/],
      [path.join(file, "sub"), /not a directory \(or under a file\) \(ENOTDIR\)/],
      ["/dev/null", /EEXIST/],
    ];
    // Node's own recursive mkdir spins forever under /proc (procfs answers ENOENT); the CLI's must not
    if (process.platform === "linux" && existsSync("/proc/self"))
      outs.push(["/proc/nnlq-nope/x", /cannot create a directory there \(ENOENT\)/]);
    for (const [out, why] of outs) {
      const r = nnlq("--family", "resnet", "--count", "1", "--out", out);
      expect(r.code, out).toBe(3);
      expect(r.stderr.trimEnd().split("\n"), out).toHaveLength(1);
      expect(r.stderr, out).toMatch(
        new RegExp(`^nnlq zoo: BAD_REQUEST: cannot write to --out '${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}': `),
      );
      expect(r.stderr, out).toMatch(why);
      expect(r.stderr, out).not.toMatch(/unexpected error/);
    }
    expect(readFileSync(file, "utf8")).toBe("x");
  });
});
