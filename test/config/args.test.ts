/** lib/args.ts, the one command-line parser of the CLI, the scripts, the worker and the trainer. */
import { describe, expect, it } from "vitest";
import {
  fractionArg,
  intArg,
  listArg,
  numberArg,
  optionalIntArg,
  parseCommandLine,
  splitList,
  UsageError,
} from "@/lib/args";

describe("typed option values", () => {
  it("intArg: digits only, in range, a default or required", () => {
    expect(intArg("count", "12", 1, 100)).toBe(12);
    expect(intArg("count", undefined, 1, 100, 7)).toBe(7);
    expect(() => intArg("count", undefined, 1, 100)).toThrow(new UsageError("--count is required"));
    for (const bad of ["1e3", "0x10", "-1", "+5", " 5", "1.5", "", "abc", "101", "0"]) {
      expect(() => intArg("count", bad, 1, 100), bad).toThrow(UsageError);
    }
    expect(() => intArg("count", "abc", 1, 100)).toThrow("--count must be an integer in 1…100 (got 'abc')");
    expect(() => intArg("wait", "31", 0, 30, undefined, "comma")).toThrow("--wait must be an integer in 0…30, got '31'");
    expect(() => intArg("n", "99999999999999999999", 0, Infinity)).toThrow(UsageError);
  });

  it("optionalIntArg keeps an absent option absent", () => {
    expect(optionalIntArg("batch", undefined, 1, 64)).toBeUndefined();
    expect(optionalIntArg("batch", "64", 1, 64)).toBe(64);
    expect(() => optionalIntArg("batch", "65", 1, 64)).toThrow("--batch must be an integer in 1…64 (got '65')");
  });

  it("numberArg and fractionArg: finite numbers in range (integers when asked)", () => {
    expect(numberArg("growth", "0.25", 0, 100)).toBe(0.25);
    expect(numberArg("growth", undefined, 0, 100)).toBeUndefined();
    expect(() => numberArg("growth", "", 0, 100)).toThrow(UsageError);
    expect(() => numberArg("growth", "Infinity", 0, Infinity)).toThrow(UsageError);
    expect(() => numberArg("batch", "1.5", 1, 64, { integer: true })).toThrow("--batch must be a number in 1…64, got '1.5'");
    expect(fractionArg("ci-target", "0")).toBe(0);
    expect(() => fractionArg("ci-target", "2")).toThrow("--ci-target must be a number in 0…1, got '2'");
  });

  it("listArg and splitList", () => {
    expect(listArg("families", undefined, ["a", "b"] as const)).toEqual(["a", "b"]);
    expect(listArg("families", "b, a", ["a", "b"] as const)).toEqual(["b", "a"]);
    expect(() => listArg("families", "a,c,d", ["a", "b"] as const)).toThrow("--families: unknown 'c', 'd' (known: a, b)");
    expect(splitList(["a,b", " c ", ",", "d"])).toEqual(["a", "b", "c", "d"]);
    expect(splitList(undefined)).toEqual([]);
  });
});

describe("parseCommandLine: parseArgs errors as one-line usage errors", () => {
  const options = { count: { type: "string" }, seed: { type: "string", short: "s" }, json: { type: "boolean" } } as const;
  const parse = (...args: string[]) => parseCommandLine({ args, options });

  it("parses like node:util parseArgs", () => {
    expect(parse("--count=-1", "--json").values).toEqual({ count: "-1", json: true });
  });

  it("an unknown option, a missing value: Node's first line", () => {
    expect(() => parse("--bogus")).toThrow(UsageError);
    expect(() => parse("--bogus")).toThrow(/^Unknown option '--bogus'/);
    expect(() => parse("--count")).toThrow(/^Option '--count <value>' argument missing$/);
  });

  it("--count -1 is explained: write --count=-1", () => {
    expect(() => parse("--count", "-1")).toThrow(new UsageError("--count -1: a value starting with '-' must be written --count=-1"));
    expect(() => parse("-s", "-3")).toThrow(new UsageError("-s -3: a value starting with '-' must be written --seed=-3"));
    for (const args of [["--count", "-1"], ["--bogus"], ["--count"]]) {
      try {
        parse(...args);
      } catch (e) {
        expect((e as Error).message, args.join(" ")).not.toContain("\n");
      }
    }
  });

  it("a mistake in the configuration is not a usage error", () => {
    expect(() => parseCommandLine({ args: [], options: { x: { type: "nope" as "string" } } })).toThrow(TypeError);
    expect(() => parseCommandLine({ args: [], options: { x: { type: "nope" as "string" } } })).not.toThrow(UsageError);
  });
});
