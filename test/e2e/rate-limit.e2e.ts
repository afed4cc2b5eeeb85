/**
 * Anonymous rate limits key on the TCP peer's address through the real web server (scripts/web-server.mjs,
 * what `npm run up` runs): a client that varies X-Forwarded-For, X-Real-IP or even our internal
 * x-nnlq-remote-addr header is still limited; another address is not; a trusted proxy (the e2e server
 * trusts 127.0.0.9, see test/setup/global-e2e.ts) gets one bucket per forwarded client.
 * Each test connects from its own loopback address (127.0.0.0/8 is all local on Linux), so draining a
 * bucket here never throttles the other e2e files, which come from 127.0.0.1.
 */
import http from "node:http";
import { describe, expect, inject, it } from "vitest";

const base = new URL(inject("baseUrl"));

function get(
  path: string,
  { from, headers = {} }: { from: string; headers?: Record<string, string> },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed JSON body, read by the assertions
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, path, method: "GET", localAddress: from, headers, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Requests until the first 429 (at most `max`); the default bucket holds 30 at 5/s. */
async function untilLimited(from: string, headersOf: (i: number) => Record<string, string>, max = 80) {
  for (let i = 0; i < max; i++) {
    const r = await get("/api/v1/platforms", { from, headers: headersOf(i) });
    if (r.status === 429) return { after: i, response: r };
    expect(r.status).toBe(200);
  }
  return null;
}

describe("anonymous rate limit through the real server", () => {
  it("varying X-Forwarded-For / X-Real-IP / x-nnlq-remote-addr does not escape the limit; the socket address is the key", async () => {
    const spoof = (i: number) => ({
      "x-forwarded-for": `198.51.100.${i % 250}`,
      "x-real-ip": `203.0.113.${i % 250}`,
      "x-nnlq-remote-addr": `192.0.2.${i % 250}`,
    });
    const hit = await untilLimited("127.0.0.2", spoof);
    expect(hit, "never rate-limited although every request came from 127.0.0.2").not.toBeNull();
    expect(hit!.after).toBeGreaterThanOrEqual(20); // the burst went through first
    expect(hit!.response.body.error).toMatchObject({ code: "RATE_LIMITED" });
    expect(hit!.response.body.error.message).toContain("from 127.0.0.2;");
    // another client address has its own bucket
    expect((await get("/api/v1/platforms", { from: "127.0.0.3" })).status).toBe(200);
  });

  it("behind a trusted proxy, each forwarded client has its own bucket, keyed on the right-most untrusted entry", async () => {
    // 127.0.0.9 is NNLQ_TRUSTED_PROXIES of the e2e server: the client's own XFF entries (left) are ignored
    const viaProxy = (i: number) => ({ "x-forwarded-for": `10.9.${i % 250}.1, 203.0.113.77` });
    const hit = await untilLimited("127.0.0.9", viaProxy);
    expect(hit).not.toBeNull();
    expect(hit!.response.body.error.message).toContain("from 203.0.113.77;");
    // a different forwarded client through the same proxy is not limited
    expect((await get("/api/v1/platforms", { from: "127.0.0.9", headers: { "x-forwarded-for": "203.0.113.78" } })).status).toBe(200);
  });
});
