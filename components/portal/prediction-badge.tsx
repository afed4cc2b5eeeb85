/**
 * One predicted latency as the portal shows it: "12.3 ± 2.1 ms" (the ±2σ interval, which a calibrated
 * predictor's measured values fall into about 95% of the time), which regime answered — in-distribution,
 * or extrapolated with the reasons on hover (lib/predict/guard.ts) — and, when the interval is wide (a
 * half-width over 50% of the prediction) or the graph is out of the training distribution, a "measure this
 * one" link to the query page: there a measurement replaces the guess. Plain markup (no hooks): the model
 * page renders it on the server, the preview in the browser.
 */
import Link from "next/link";
import { Badge } from "@/components/ui";
import { fmtMs } from "@/components/latency/format";

export type PredictionRegime = "in-distribution" | "extrapolated";

export interface PredictionBadgeProps {
  latencyMs: number;
  /** σ (ms); null or absent: the predictor reports none */
  uncertaintyMs?: number | null;
  regime?: PredictionRegime | null;
  reasons?: readonly string[] | null;
  /** the guard's analytical estimate (ms), said on hover */
  analyticalMs?: number | null;
  /** where "measure this one" leads (default /query) */
  measureHref?: string;
}

/** A ±2σ half-width beyond this share of the prediction counts as wide. */
export const WIDE_HALF_WIDTH = 0.5;

/** Relative half-width 2σ / latency (NaN without σ). */
export function relativeHalfWidth(latencyMs: number, uncertaintyMs: number | null | undefined): number {
  return uncertaintyMs === null || uncertaintyMs === undefined || !(latencyMs > 0) ? NaN : (2 * uncertaintyMs) / latencyMs;
}

/** Whether the portal suggests measuring instead: extrapolated, or an interval wider than ±50%. */
export function shouldMeasure(p: Pick<PredictionBadgeProps, "latencyMs" | "uncertaintyMs" | "regime">): boolean {
  return p.regime === "extrapolated" || relativeHalfWidth(p.latencyMs, p.uncertaintyMs) > WIDE_HALF_WIDTH;
}

/** The hover text of the regime badge. */
export function regimeTitle(p: Pick<PredictionBadgeProps, "regime" | "reasons" | "analyticalMs">): string {
  const analytical = p.analyticalMs !== null && p.analyticalMs !== undefined ? ` Analytical estimate (FLOPs + memory traffic): ${fmtMs(p.analyticalMs)} ms.` : "";
  if (p.regime === "extrapolated") {
    const why = p.reasons?.length ? p.reasons.join("; ") : "outside the training distribution";
    return `Extrapolated — ${why}. The answer leans on the analytical model and its interval is widened.${analytical}`;
  }
  return `In distribution: the graph resembles the training data and the learned model answered.${analytical}`;
}

export function PredictionBadge(p: PredictionBadgeProps) {
  const sigma = p.uncertaintyMs ?? null;
  const measure = shouldMeasure(p);
  const hw = relativeHalfWidth(p.latencyMs, sigma);
  return (
    <span
      className="inline-flex flex-wrap items-center justify-end gap-1.5"
      data-testid="prediction-badge"
      data-regime={p.regime ?? undefined}
      data-wide={measure ? "true" : "false"}
    >
      <span
        className="tabular-nums"
        title={
          sigma !== null
            ? `±2σ: ${fmtMs(Math.max(0, p.latencyMs - 2 * sigma))}–${fmtMs(p.latencyMs + 2 * sigma)} ms (σ ${fmtMs(sigma)} ms, ±${(hw * 100).toFixed(0)}%)`
            : "no uncertainty reported"
        }
      >
        {fmtMs(p.latencyMs)}
        {sigma !== null && <span className="text-xs text-slate-500"> ± {fmtMs(2 * sigma)}</span>} ms
      </span>
      {p.regime && (
        <span title={regimeTitle(p)} data-testid="prediction-regime">
          <Badge tone={p.regime === "extrapolated" ? "amber" : "emerald"}>{p.regime}</Badge>
        </span>
      )}
      {measure && (
        <Link href={p.measureHref ?? "/query"} className="text-xs text-indigo-700 hover:underline" data-testid="measure-this-one">
          measure this one
        </Link>
      )}
    </span>
  );
}
