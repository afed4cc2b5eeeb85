import fs from "node:fs/promises";
import path from "node:path";

/**
 * GET /tfjs-wasm/<file>.wasm: the tfjs WebAssembly backend binaries, served from the installed
 * @tensorflow/tfjs-backend-wasm package (nothing copied into the repository) for the preview worker's
 * predictor. Immutable per package version.
 */
const FILES = new Set(["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"]);

export async function GET(_req: Request, ctx: { params: Promise<{ file: string }> }): Promise<Response> {
  const { file } = await ctx.params;
  if (!FILES.has(file)) return new Response("not found", { status: 404 });
  const dir = path.resolve(process.cwd(), "node_modules/@tensorflow/tfjs-backend-wasm/dist");
  const bytes = await fs.readFile(path.join(dir, file));
  return new Response(new Uint8Array(bytes), {
    headers: { "content-type": "application/wasm", "cache-control": "public, max-age=86400" },
  });
}
