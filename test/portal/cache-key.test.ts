/** Next's data cache outlives the server: the portal's cache keys name the database they were read from. */
import { describe, expect, it } from "vitest";
import { databaseCacheKey } from "@/lib/services/portal-cached";

describe("portal data cache keys", () => {
  it("differ per database and never carry the password", () => {
    const a = databaseCacheKey("mysql://root:secret@127.0.0.1:3306/nnlq");
    const b = databaseCacheKey("mysql://root:secret@127.0.0.1:3306/nnlq_test_1234");
    const c = databaseCacheKey("mysql://root@127.0.0.1:3307/nnlq");
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toBe("db:127.0.0.1:3306/nnlq");
    expect(databaseCacheKey("mysql://root@127.0.0.1/nnlq")).toBe(a);
    for (const k of [a, b]) expect(k).not.toContain("secret");
    expect(databaseCacheKey("not a url")).toBe("db:unknown");
  });
});
