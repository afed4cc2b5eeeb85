/** The address anonymous rate limits key on (lib/api/rate-limit.ts), with and without trusted proxies. */
import { describe, expect, it } from "vitest";
import { REMOTE_ADDR_HEADER, clientIp, normalizeIp, parseTrustedProxies, takeToken, resetRateLimits } from "@/lib/api/rate-limit";
import { REMOTE_ADDR_HEADER as SERVER_HEADER, stampRemoteAddress } from "../../scripts/web-server.mjs";

const req = (headers: Record<string, string>) => new Request("http://nnlq.test/api/v1/platforms", { headers });
const none = parseTrustedProxies(undefined);

describe("clientIp without trusted proxies", () => {
  it("is the socket address the web server stamped; X-Forwarded-For and X-Real-IP from the client are ignored", () => {
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "198.51.100.4" }), none)).toBe("198.51.100.4");
    const spoofed = req({ [REMOTE_ADDR_HEADER]: "198.51.100.4", "x-forwarded-for": "1.2.3.4", "x-real-ip": "5.6.7.8" });
    expect(clientIp(spoofed, none)).toBe("198.51.100.4");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "::ffff:127.0.0.1" }), none)).toBe("127.0.0.1");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "2001:DB8::1" }), none)).toBe("2001:db8::1");
  });

  it("without the stamp every request shares one bucket, whatever headers it sends", () => {
    expect(clientIp(req({ "x-forwarded-for": "1.2.3.4" }), none)).toBe("unknown");
    expect(clientIp(req({ "x-real-ip": "1.2.3.4" }), none)).toBe("unknown");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "not-an-ip" }), none)).toBe("unknown");
  });
});

describe("clientIp behind trusted proxies", () => {
  const trusted = parseTrustedProxies(" 10.0.0.1, 192.168.0.0/16 ,::1, fd00::/8");

  it("takes the right-most X-Forwarded-For entry that is not a trusted proxy", () => {
    // the client wrote 6.6.6.6 itself; the outer proxy 192.168.4.4 appended the client's real address 203.0.113.9,
    // and the inner proxy 10.0.0.1 appended 192.168.4.4
    const r = req({ [REMOTE_ADDR_HEADER]: "10.0.0.1", "x-forwarded-for": "6.6.6.6, 203.0.113.9, 192.168.4.4" });
    expect(clientIp(r, trusted)).toBe("203.0.113.9");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "::1", "x-forwarded-for": "203.0.113.10" }), trusted)).toBe("203.0.113.10");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "fd00::5", "x-forwarded-for": "[2001:db8::7]:443" }), trusted)).toBe("2001:db8::7");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "::ffff:10.0.0.1", "x-forwarded-for": "203.0.113.11:5123" }), trusted)).toBe(
      "203.0.113.11",
    );
  });

  it("falls back to X-Real-IP, then the proxy itself; every hop trusted → the left-most", () => {
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "10.0.0.1", "x-real-ip": "203.0.113.12" }), trusted)).toBe("203.0.113.12");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "10.0.0.1" }), trusted)).toBe("10.0.0.1");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "10.0.0.1", "x-forwarded-for": "192.168.1.1, 192.168.2.2" }), trusted)).toBe("192.168.1.1");
  });

  it("an untrusted peer's X-Forwarded-For is ignored, even when it names a trusted proxy", () => {
    const r = req({ [REMOTE_ADDR_HEADER]: "198.51.100.99", "x-forwarded-for": "203.0.113.1, 10.0.0.1" });
    expect(clientIp(r, trusted)).toBe("198.51.100.99");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "10.0.0.2", "x-forwarded-for": "203.0.113.1" }), trusted)).toBe("10.0.0.2");
    expect(clientIp(req({ [REMOTE_ADDR_HEADER]: "192.169.0.1", "x-forwarded-for": "203.0.113.1" }), trusted)).toBe("192.169.0.1");
  });
});

describe("NNLQ_TRUSTED_PROXIES parsing", () => {
  it("accepts IPs and CIDRs and names every bad entry", () => {
    expect(parseTrustedProxies("").entries).toEqual([]);
    expect(parseTrustedProxies("10.0.0.0/8, ::1").has("10.200.3.4")).toBe(true);
    expect(() => parseTrustedProxies("10.0.0.1, proxy.local, 10.0.0.0/33, ::1/129, 1.2.3.4/8/9")).toThrow(
      "NNLQ_TRUSTED_PROXIES: not an IP address or CIDR range: 'proxy.local', '10.0.0.0/33', '::1/129', '1.2.3.4/8/9'",
    );
  });

  it("normalizeIp", () => {
    expect(["1.2.3.4", "::FFFF:1.2.3.4", "1.2.3.4:80", " [::1]:8080 ", "x", "", "999.1.1.1"].map(normalizeIp)).toEqual([
      "1.2.3.4", "1.2.3.4", "1.2.3.4", "::1", null, null, null,
    ]);
  });
});

describe("the web server's stamp", () => {
  it("uses the same header name and replaces a client-sent copy with the socket address", () => {
    expect(SERVER_HEADER).toBe(REMOTE_ADDR_HEADER);
    const fake = {
      headers: { [REMOTE_ADDR_HEADER]: "6.6.6.6", host: "x" } as Record<string, string>,
      rawHeaders: ["Host", "x", "X-NNLQ-Remote-Addr", "6.6.6.6", "x-nnlq-remote-addr", "7.7.7.7"],
      socket: { remoteAddress: "::ffff:198.51.100.3" },
    };
    stampRemoteAddress(fake);
    expect(fake.headers[REMOTE_ADDR_HEADER]).toBe("::ffff:198.51.100.3");
    expect(fake.rawHeaders).toEqual(["Host", "x", REMOTE_ADDR_HEADER, "::ffff:198.51.100.3"]);
  });
});

describe("token bucket", () => {
  it("limits one key after its burst and leaves another key alone", () => {
    resetRateLimits();
    process.env.NNLQ_ANON_RPS = "1";
    process.env.NNLQ_ANON_BURST = "2";
    try {
      const t = 1_000_000;
      takeToken("a", t);
      takeToken("a", t);
      expect(() => takeToken("a", t)).toThrow(/Too many anonymous requests from a;/);
      takeToken("b", t);
      takeToken("a", t + 1000); // refilled one per second
    } finally {
      delete process.env.NNLQ_ANON_RPS;
      delete process.env.NNLQ_ANON_BURST;
      resetRateLimits();
    }
  });
});
