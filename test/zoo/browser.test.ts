/**
 * lib/zoo is isomorphic: bundled for the browser (esbuild, platform=browser) it runs in real Chromium and
 * generates the same bytes as in Node, weights included.
 */
import { build } from "esbuild";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FAMILY_DESIGN_SPACES, generate, ZOO_FAMILIES } from "@/lib/zoo";
import { chromiumPath, launch } from "../e2e/browser";

const root = path.resolve(import.meta.dirname, "../..");
let chromium: string | undefined;
try {
  chromium = chromiumPath();
} catch {
  console.warn("SKIP zoo browser test: Chromium not found (set CHROMIUM_PATH)");
}

const weighted = { family: "mobilenetv3", variant: "small", width: 0.35, resolution: 96, seed: 42 };

describe("lib/zoo in the browser", () => {
  it.skipIf(!chromium)("generates byte-identical models in Chromium and in Node", async () => {
    const entry = `
      import { sha256 } from "@noble/hashes/sha2";
      import { bytesToHex } from "@noble/hashes/utils";
      import { generate, FAMILY_DESIGN_SPACES, ZOO_FAMILIES } from "@/lib/zoo";
      const hex = (b) => bytesToHex(sha256(b));
      window.zooDigests = async () => {
        const out = {};
        for (const f of ZOO_FAMILIES) out[f] = hex(generate(FAMILY_DESIGN_SPACES[f].example));
        out.weighted = hex(generate(${JSON.stringify(weighted)}, { weights: true }));
        return out;
      };`;
    const bundle = await build({
      stdin: { contents: entry, resolveDir: root, loader: "ts" },
      bundle: true,
      platform: "browser",
      format: "iife",
      alias: { "@": root },
      write: false,
      logLevel: "silent",
    });
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.setContent("<html><body></body></html>");
      await page.addScriptTag({ content: bundle.outputFiles[0].text });
      const inBrowser = await page.evaluate(() =>
        (window as unknown as { zooDigests: () => Promise<Record<string, string>> }).zooDigests(),
      );
      const inNode: Record<string, string> = {};
      for (const f of ZOO_FAMILIES) inNode[f] = bytesToHex(sha256(generate(FAMILY_DESIGN_SPACES[f].example)));
      inNode.weighted = bytesToHex(sha256(generate(weighted, { weights: true })));
      expect(inBrowser).toEqual(inNode);
    } finally {
      await browser.close();
    }
  });
});
