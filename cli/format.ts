/** Small text-table and number formatting for CLI output. */
import { env } from "@/lib/env";
import type { MeasurementQualityView } from "@/lib/api/schemas/common";

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

/** A measurement's quality in one cell: "38/40 clean · ±0.6% · w/cpu 1.02 · intf 0.5%" (protocol v1: "v1, 3 runs"). */
export function qualityLine(q: MeasurementQualityView): string {
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
  const parts = [q.cleanRuns === null ? `v${q.protocol}, ${q.runs} runs` : `${q.cleanRuns}/${q.runs} clean`];
  if (q.ciRel !== null) parts.push(`±${pct(q.ciRel)}`);
  if (q.wallCpuRatio !== null) parts.push(`w/cpu ${q.wallCpuRatio.toFixed(2)}`);
  if (q.interferenceShare !== null) parts.push(`intf ${pct(q.interferenceShare)}`);
  return parts.join(" · ");
}
