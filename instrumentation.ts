/**
 * Runs once when the Next server starts (`next start`, `next dev`), before it handles requests: methods
 * Next cannot hand to a route (TRACE → a plain-text 500 otherwise) are answered in the API's error shape.
 * See lib/api/method-guard.ts.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { installMethodGuard } = await import("./lib/api/method-guard");
    installMethodGuard();
  }
}
