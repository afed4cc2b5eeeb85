/** The ESLint config (eslint.config.mjs) keeps its teeth: drizzle deletes/updates need a WHERE on db/tx, lines stop at 140. */
import { ESLint } from "eslint";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const lint = async (code: string, file = "lib/services/probe.ts") => {
  const [r] = await new ESLint({ cwd: root }).lintText(code, { filePath: path.join(root, file) });
  return r!.messages.map((m) => m.ruleId);
};

describe("eslint.config.mjs", () => {
  it("flags delete and update without a where on the db and tx handles, and not with one", async () => {
    const rules = await lint(
      [
        'import { eq } from "drizzle-orm";',
        'import { users } from "@/lib/db/schema";',
        "type H = { delete: (t: unknown) => { where: (w: unknown) => void }; update: (t: unknown) => { set: (v: unknown) => unknown } };",
        "export async function f(db: H, tx: H) {",
        "  await db.delete(users);",
        '  await tx.update(users).set({ name: "x" });',
        "  await db.delete(users).where(eq(users.id, 1));",
        "}",
      ].join("\n"),
    );
    expect(rules.filter((r) => r === "drizzle/enforce-delete-with-where")).toHaveLength(1);
    expect(rules.filter((r) => r === "drizzle/enforce-update-with-where")).toHaveLength(1);
  }, 60_000);

  it("flags code lines over 140 characters but not long strings", async () => {
    const long = `export const x = [${Array.from({ length: 40 }, (_, i) => i + 100).join(", ")}];`;
    const text = `export const s = "${"a".repeat(150)}";`;
    expect(long.length).toBeGreaterThan(140);
    expect(await lint(long)).toContain("max-len");
    expect(await lint(text)).not.toContain("max-len");
  }, 60_000);
});
