/**
 * GET /setup?token=… — the one-time setup link that `npm run up` prints while the site has no admin.
 * Opened signed in, it makes that user site admin and burns the token (lib/services/admin-setup.ts).
 * Answers a small HTML page with a real status: 200 done, 401 sign in first, 403 demo user / API key,
 * 404 unknown token, 409 used / expired / an admin already exists.
 */
import { isNnlqError, statusOf } from "@/lib/errors";
import { claimSiteAdminFor } from "@/lib/services/pages";

export const dynamic = "force-dynamic";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(status: number, title: string, bodyHtml: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} — nnlq</title><meta name="robots" content="noindex">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#0f172a}h1{font-size:1.4rem}a{color:#4338ca}p{line-height:1.5}</style>
</head><body><h1>${esc(title)}</h1>${bodyHtml}<p><a href="/">nnlq home</a></p></body></html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}

export async function GET(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const token = url.searchParams.get("token");
  try {
    const user = await claimSiteAdminFor(req, token);
    return page(
      200,
      "You are the site administrator",
      `<p>${esc(user.email)} now sets team quotas, manages devices and issues worker tokens. This link no longer works.</p><p><a href="/admin">Open the admin page</a></p>`,
    );
  } catch (e) {
    if (!isNnlqError(e)) {
      console.error("[setup]", e instanceof Error ? e.message : e);
      return page(500, "Setup failed", "<p>Something went wrong on the server; try again, or check the server log.</p>");
    }
    const status = statusOf(e.code);
    if (e.code === "UNAUTHENTICATED") {
      const back = `/setup?token=${encodeURIComponent(token ?? "")}`;
      return page(
        status,
        "Sign in to finish setting up nnlq",
        `<p>${esc(e.message)}.</p><p><a href="/signin?callbackUrl=${encodeURIComponent(back)}">Sign in</a> · <a href="/signup">Create an account</a> (then open this link again)</p>`,
      );
    }
    return page(status, "This setup link cannot be used", `<p>${esc(e.message)}.</p>`);
  }
}
