#!/usr/bin/env node
// Entry of the `nnlq` CLI: runs cli/main.ts through tsx so the same TypeScript sources serve app, workers and CLI.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createRequire } from "node:module";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const tsxLoader = require.resolve("tsx");
const child = spawn(process.execPath, ["--import", tsxLoader, path.join(root, "cli/main.ts"), ...process.argv.slice(2)], {
  stdio: "inherit",
});
// a stop request for `nnlq` is one for the command (e.g. `nnlq worker` under a service manager)
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1) : 1)));
