/**
 * The account flow through the real UI in Chromium against a production build: sign up, create a team,
 * add a member (signed up through the API), change a role, create and revoke an API key, sign in as
 * the member. Screenshots of every step go to test/e2e/screenshots/.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, screenshot } from "./browser";

const base = inject("baseUrl");
const tag = randomBytes(4).toString("hex");
const owner = { name: "Olive Owner", email: `owner-${tag}@example.test`, password: "owner-pass-123" };
const member = { name: "Max Member", email: `member-${tag}@example.test`, password: "member-pass-456" };

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  page = await (await browser.newContext({ baseURL: base, viewport: { width: 1200, height: 900 } })).newPage();
  page.setDefaultTimeout(20_000);
});
afterAll(async () => {
  await browser?.close();
});

async function apiStatus(path: string, key: string) {
  const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: await r.json() };
}

describe("teams in the browser", () => {
  it("signs up, creates a team, adds a member, creates and revokes an API key", async () => {
    // the second user signs up through the API first
    const signup = await fetch(`${base}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(member),
    });
    expect(signup.status).toBe(201);

    // sign up in the UI (a weak password is refused with the rule first)
    await page.goto("/signup");
    await page.getByLabel("Name").fill(owner.name);
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.getByText("Password must be at least 8 characters").first().isVisible()).toBe(true);
    await screenshot(page, "01-signup-weak-password");
    await page.getByLabel("Password").fill(owner.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL("**/teams");
    await page.getByTestId("signed-in-as").filter({ hasText: owner.email }).waitFor();
    await screenshot(page, "02-teams-empty");

    // create a team
    await page.getByLabel("Team name").fill("E2E Vision Lab");
    await page.getByRole("button", { name: "Create team" }).click();
    await page.waitForURL(/\/teams\/\d+$/);
    const teamId = Number(page.url().split("/").pop());
    await page.getByRole("heading", { name: "E2E Vision Lab" }).waitFor();

    // adding an unknown email shows the server's message
    await page.getByLabel("Add member by email").fill(`nobody-${tag}@example.test`);
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByRole("alert").filter({ hasText: "ask them to sign up first" }).waitFor();

    // add the member, then make them admin
    await page.getByLabel("Add member by email").fill(member.email);
    await page.getByRole("button", { name: "Add member" }).click();
    const row = page.getByTestId(`member-${member.email}`);
    await row.waitFor();
    await page.getByLabel(`Role of ${member.email}`).selectOption("admin");
    await page.getByRole("status").filter({ hasText: `${member.email} is now admin.` }).waitFor();
    await expect.poll(() => page.getByLabel(`Role of ${member.email}`).inputValue()).toBe("admin");
    await screenshot(page, "03-team-members");

    // create an API key: the secret is shown once and works
    await page.getByLabel("New key name").fill("ci-runner");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-api-key").textContent())!.trim();
    expect(secret).toMatch(/^nnlq_[a-z0-9]{8}_[A-Za-z0-9]{32}$/);
    await page.getByTestId("key-ci-runner").waitFor();
    await screenshot(page, "04-api-key-created");
    const ok = await apiStatus(`/api/v1/teams/${teamId}/members`, secret);
    expect(ok.status).toBe(200);
    expect(ok.body.members.map((m: { email: string }) => m.email).sort()).toEqual([member.email, owner.email].sort());

    // revoke it through the UI (confirm dialog), then the key is refused
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Revoke ci-runner" }).click();
    await page.getByTestId("key-ci-runner").getByText("revoked").waitFor();
    await screenshot(page, "05-api-key-revoked");
    const refused = await apiStatus(`/api/v1/teams/${teamId}/members`, secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/was revoked/);

    // the member signs in and sees the team with their role
    const other = await (await browser.newContext({ baseURL: base })).newPage();
    await other.goto("/teams");
    await other.waitForURL(/\/signin\?callbackUrl=/);
    await other.getByLabel("Email").fill(member.email);
    await other.getByLabel("Password").fill("wrong-password-1");
    await other.getByRole("button", { name: "Sign in" }).click();
    await other.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    await other.getByLabel("Password").fill(member.password);
    await other.getByRole("button", { name: "Sign in" }).click();
    await other.waitForURL("**/teams");
    const link = other.getByRole("link", { name: "E2E Vision Lab" });
    await link.waitFor();
    await screenshot(other, "06-member-teams");
    await link.click();
    await other.getByRole("heading", { name: "E2E Vision Lab" }).waitFor();
    expect(await other.getByTestId("key-ci-runner").getByText("revoked").isVisible()).toBe(true);
    await other.close();
  });
});
