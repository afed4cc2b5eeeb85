/** Shared bits of the query, jobs and platforms pages: number formats, state badges, the SWR fetcher. */
import type { JobView } from "@/lib/api/schemas/jobs";
import { api } from "@/components/api-client";
import { Badge } from "@/components/ui";

export const fetcher = <T,>(path: string) => api<T>(path);

/**
 * SWR polling that goes on while the browser calls itself offline: navigator.onLine is false on a machine
 * whose only network is loopback (nnlq on localhost with Wi-Fi off, an air-gapped lab host), yet the nnlq
 * server answers there — SWR's default would freeze a job's live state at "queued".
 */
export const POLLING = { refreshWhenOffline: true } as const;

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  return ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(1);
}

export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  const units: [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [v, u] of units) if (Math.abs(n) >= v) return `${(n / v).toFixed(n / v >= 100 ? 0 : 1)} ${u}`;
  return String(n);
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export const ENDED: readonly JobView["state"][] = ["done", "failed", "cancelled"];

const STATE_TONE: Record<string, "slate" | "indigo" | "amber" | "red" | "emerald"> = {
  queued: "slate",
  leased: "amber",
  running: "amber",
  done: "emerald",
  measured: "emerald",
  failed: "red",
  error: "red",
  unsupported: "red",
  cancelled: "slate",
  not_measured: "slate",
  online: "emerald",
  busy: "amber",
  offline: "slate",
  disabled: "red",
};

export function StateBadge({ state }: { state: string }) {
  const label = state === "leased" ? "measuring" : state.replace("_", " ");
  return <Badge tone={STATE_TONE[state] ?? "slate"}>{label}</Badge>;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
