/**
 * The production web server: Next's own request handler (the one `next start` uses) behind a plain Node
 * HTTP server that tells the app who is on the other end of the TCP connection. Route handlers see only
 * headers, and Next fills `X-Forwarded-For` from the socket only when the client sent none, so a client
 * could name any address. Here every request gets `x-nnlq-remote-addr` = req.socket.remoteAddress, after
 * any client-sent copy is deleted; lib/api/rate-limit.ts keys anonymous limits on it (and trusts
 * X-Forwarded-For only from NNLQ_TRUSTED_PROXIES).
 *
 *   node scripts/web-server.mjs [-p PORT] [-H HOSTNAME]     (defaults: $PORT or 3000, all interfaces)
 *
 * Started by scripts/start.ts (`npm run up`, `npm start`) and the e2e setup (test/setup/global-e2e.ts).
 * Plain JavaScript so it runs without the tsx loader in the request path. SIGTERM/SIGINT: stop accepting,
 * finish open requests (10 s at most), exit.
 */
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/** Must equal REMOTE_ADDR_HEADER in lib/api/rate-limit.ts (test/api/client-ip.test.ts checks). */
export const REMOTE_ADDR_HEADER = "x-nnlq-remote-addr";

/** Replaces any client-sent REMOTE_ADDR_HEADER with the socket's address (in headers and rawHeaders). */
export function stampRemoteAddress(req) {
  delete req.headers[REMOTE_ADDR_HEADER];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i].toLowerCase() === REMOTE_ADDR_HEADER) raw.splice(i, 2);
  const addr = req.socket.remoteAddress ?? "";
  req.headers[REMOTE_ADDR_HEADER] = addr;
  raw.push(REMOTE_ADDR_HEADER, addr);
}

async function main() {
  const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } } });
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port '${values.port ?? process.env.PORT}'`);
  const hostname = values.hostname; // undefined: all interfaces, like `next start`
  process.env.NODE_ENV ??= "production";
  const root = path.resolve(import.meta.dirname, "..");
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: root, hostname: hostname ?? "localhost", port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    stampRemoteAddress(req);
    handle(req, res).catch((e) => {
      console.error(`[web] ${req.method} ${req.url}: ${e instanceof Error ? e.message : e}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "INTERNAL", message: "Internal server error" } }));
    });
  });
  server.keepAliveTimeout = 65_000; // outlive common proxies' idle timeouts (they close first)
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve(undefined));
  });
  const addr = server.address();
  console.log(`[web] ready on http://${hostname ?? "localhost"}:${typeof addr === "object" && addr ? addr.port : port}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(`[web] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
