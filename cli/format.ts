/** Small text-table and number formatting for CLI output. */
import { env } from "@/lib/env";

/** Left-aligned columns, numbers right-aligned; `null`/`undefined` print as "-". */
export function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))))];
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || r[i] === null || r[i] === undefined));
  const width = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join("  ").trimEnd();
  return [line(cells[0]!), line(width.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

export function ms(v: number | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(3) : v.toFixed(4);
}

export function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

export function gflops(n: number): string {
  return `${(n / 1e9).toFixed(2)} GFLOPs`;
}

/** Client settings from the environment: NNLQ_URL (default http://localhost:3000) and NNLQ_API_KEY. */
export function clientEnv(): { baseUrl: string; apiKey?: string } {
  const e = env();
  return { baseUrl: e.NNLQ_URL, apiKey: e.NNLQ_API_KEY?.trim() || undefined };
}
