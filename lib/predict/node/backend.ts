/**
 * tfjs backend for Node (training, evaluation, the API): the WebAssembly backend, its .wasm files taken
 * from node_modules (nothing is downloaded), falling back to the plain JS cpu backend.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { env } from "@/lib/env";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

let ready: Promise<string> | null = null;

/** Select the backend once per process; resolves to its name ("wasm" or "cpu"). */
export function initTfNode(prefer: "wasm" | "cpu" = env().NNLQ_TF_BACKEND): Promise<string> {
  ready ??= (async () => {
    if (prefer === "wasm") {
      try {
        const require = createRequire(import.meta.url || path.join(process.cwd(), "package.json"));
        // resolved at run time (a specifier bundlers cannot see: Next's server build would try to bundle the .wasm)
        const pkg = env().NNLQ_TFJS_WASM_PACKAGE ?? "@tensorflow/tfjs-backend-wasm";
        const dist = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "dist");
        setWasmPaths(dist + path.sep);
        if (await tf.setBackend("wasm")) {
          await tf.ready();
          return "wasm";
        }
      } catch {
        /* fall through to cpu */
      }
    }
    await tf.setBackend("cpu");
    await tf.ready();
    return "cpu";
  })();
  return ready;
}
