/**
 * The predictor store's path handling (lib/predict/node/store.ts): version and file names are checked
 * against strict patterns before any path is built (no traversal), the store is searched before the
 * legacy public/predictors folder, NNLQ_PREDICTORS_DIR moves the store; and the app's file service
 * (lib/services/portal-predictor.ts predictorVersionFile) answers NOT_FOUND for anything else.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNnlqError } from "@/lib/errors";
import { manifestPathOf, parsePredictorUrl, predictorFile, predictorStoreDir, storedVersionNames } from "@/lib/predict/node/store";
import { predictorVersionFile } from "@/lib/services/portal-predictor";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-store-"));
const store = path.join(tmp, "store");
const legacy = path.join(tmp, "public");
const saved = { store: process.env.NNLQ_PREDICTORS_DIR, pub: process.env.NNLQ_PUBLIC_DIR };

beforeAll(() => {
  process.env.NNLQ_PREDICTORS_DIR = store;
  process.env.NNLQ_PUBLIC_DIR = legacy;
  for (const [dir, v, body] of [
    [store, "gnn-20261207-101010-s1", "new"],
    [legacy + "/predictors", "gnn-old", "old"],
    [legacy + "/predictors", "gnn-20261207-101010-s1", "shadowed"],
  ] as const) {
    fs.mkdirSync(path.join(dir, v), { recursive: true });
    fs.writeFileSync(path.join(dir, v, "model.json"), JSON.stringify({ body }));
    fs.writeFileSync(path.join(dir, v, "weights.bin"), new Uint8Array([1, 2, 3, 4]));
  }
  fs.writeFileSync(path.join(tmp, "secret.json"), "{}");
});
afterAll(() => {
  for (const [k, v] of [["NNLQ_PREDICTORS_DIR", saved.store], ["NNLQ_PUBLIC_DIR", saved.pub]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const notFound = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isNnlqError(e) && e.code === "NOT_FOUND";
  }
  return false;
};

describe("predictor store", () => {
  it("NNLQ_PREDICTORS_DIR is the store; relative values are taken from the repository root", () => {
    expect(predictorStoreDir()).toBe(store);
    process.env.NNLQ_PREDICTORS_DIR = "some/where";
    expect(predictorStoreDir()).toBe(path.resolve(import.meta.dirname, "../..", "some/where"));
    delete process.env.NNLQ_PREDICTORS_DIR;
    expect(predictorStoreDir()).toBe(path.resolve(import.meta.dirname, "../..", ".data/predictors"));
    process.env.NNLQ_PREDICTORS_DIR = store;
  });

  it("finds a version in the store first, then in legacy public/predictors", () => {
    expect(fs.readFileSync(manifestPathOf("/predictors/gnn-20261207-101010-s1/model.json")!, "utf8")).toContain("new");
    expect(fs.readFileSync(manifestPathOf("/predictors/gnn-old/model.json")!, "utf8")).toContain("old");
    expect(storedVersionNames().sort()).toEqual(["gnn-20261207-101010-s1", "gnn-old"]);
    expect(predictorFile("gnn-missing", "model.json")).toBeNull();
  });

  it("refuses names that could leave the store", () => {
    for (const url of [
      "/predictors/../secret.json",
      "/predictors/gnn-old/../../secret.json",
      "/predictors/%2e%2e/secret.json",
      "/predictors/gnn-old/model.js",
      "/predictors/.x/model.json",
      "/predictors/a..b/model.json",
      "predictors/gnn-old/model.json",
    ]) {
      expect(parsePredictorUrl(url), url).toBeNull();
      expect(manifestPathOf(url), url).toBeNull();
    }
    for (const [v, f] of [
      ["..", "secret.json"],
      [".", "model.json"],
      ["gnn-old", "../model.json"],
      ["gnn-old", "..\\model.json"],
      ["gnn-old/..", "model.json"],
      ["gnn-old", ".json"],
      ["a".repeat(200), "model.json"],
      ["gnn-old", "model.json\0"],
    ]) {
      expect(predictorFile(v!, f!), `${v}/${f}`).toBeNull();
      expect(
        notFound(() => predictorVersionFile(v!, f!)),
        `${v}/${f}`,
      ).toBe(true);
    }
  });

  it("the app's file service: bytes and content type of a version's files", () => {
    expect(predictorVersionFile("gnn-20261207-101010-s1", "model.json")).toMatchObject({ contentType: "application/json; charset=utf-8" });
    expect(JSON.parse(predictorVersionFile("gnn-20261207-101010-s1", "model.json").bytes.toString("utf8"))).toEqual({ body: "new" });
    const w = predictorVersionFile("gnn-old", "weights.bin");
    expect(w.contentType).toBe("application/octet-stream");
    expect([...w.bytes]).toEqual([1, 2, 3, 4]);
    expect(notFound(() => predictorVersionFile("gnn-old", "other.bin"))).toBe(true);
  });
});
