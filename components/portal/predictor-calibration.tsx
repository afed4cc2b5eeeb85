"use client";
/**
 * The predictors page body: how far the served predictor's uncertainty can be trusted. From the version's
 * manifest, per platform, the guard's calibration (σ from the ensemble or a constant relative residual,
 * the conformal factor, the validation ±2σ coverage it achieved, the per-inference floor, the analytical
 * model chosen) and the validation metrics; from the evaluation report (public/predictors/eval.json), the
 * ±2σ coverage of every method on every split — random, leave-one-family-out, real-world, few-shot — with
 * the goal band 90–98% marked. `CalibrationView` is the plain view (rendered on the server in tests); the
 * default export fetches both documents in the browser.
 */
import { useEffect, useState } from "react";
import { Alert, Card } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { fmtMs } from "@/components/latency/format";
import { coverageBySplit, type Metrics } from "@/lib/predict/metrics";

/** The parts of a predictor manifest this page reads (lib/predict/predictor.ts PredictorManifest, guard.ts GuardState). */
export interface ManifestLike {
  version?: string;
  method?: string;
  createdAt?: string;
  platforms?: string[];
  metrics?: { validation?: Record<string, Partial<Metrics>> } | null;
  guard?: {
    mode?: string;
    trainingGraphs?: number;
    opsSeen?: string[];
    platforms?: Record<
      string,
      {
        floorMs?: number;
        analytical?: { form?: string };
        calibration?: {
          spread?: string; factor?: number; minRel?: number; n?: number; coverage?: number; pooled?: boolean; fittedOn?: string;
        };
      }
    >;
  } | null;
}

/** The parts of an evaluation report (lib/predict/eval.ts EvalReport) this page reads. */
export interface ReportLike {
  createdAt?: string;
  rows?: { split: string; fold: string | null; platform: string; method: string; metrics: Metrics }[];
  fewShot?: { platform: string; n: number; method: string; metrics: Metrics }[];
}

const SPLITS = ["random", "lofo", "real-world", "few-shot"] as const;
const SPLIT_LABEL: Record<(typeof SPLITS)[number], string> = {
  random: "random",
  lofo: "leave-one-family-out",
  "real-world": "real-world (zoo → corpus)",
  "few-shot": "few-shot",
};
const pct = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? "—" : `${x.toFixed(1)}%`);
const inBand = (c: number | undefined) => c !== undefined && Number.isFinite(c) && c >= 90 && c <= 98;

function CoverageCell({ value }: { value: number | undefined }) {
  if (value === undefined || !Number.isFinite(value)) return <>—</>;
  return (
    <span
      className={inBand(value) ? "text-emerald-700" : "text-amber-700"}
      title={inBand(value) ? "within the goal band 90–98%" : value < 90 ? "below 90%: σ too small" : "above 98%: σ wider than needed"}
      data-in-band={inBand(value) ? "true" : "false"}
    >
      {value.toFixed(1)}%
    </span>
  );
}

export function CalibrationView({ manifest, report }: { manifest: ManifestLike | null; report: ReportLike | null }) {
  const guard = manifest?.guard ?? null;
  const platforms = [...new Set([...(manifest?.platforms ?? []), ...Object.keys(guard?.platforms ?? {})])].sort();
  const cov = report?.rows ? coverageBySplit({ rows: report.rows, fewShot: report.fewShot }) : [];
  const splits = SPLITS.filter((s) => cov.some((c) => c.split === s));
  const keys = [...new Set(cov.map((c) => `${c.method}\u0000${c.platform}`))].map((k) => k.split("\u0000") as [string, string]);
  return (
    <div className="space-y-6">
      <Card
        title={manifest ? `Served version ${manifest.version ?? "?"} (${manifest.method ?? "?"})` : "Served version"}
        description="σ calibrated on the version's validation split: ±2σ should hold about 95% of measured values (goal 90–98%)."
      >
        {!manifest ? (
          <p className="text-sm text-slate-500" data-testid="no-predictor">
            No predictor has been trained yet.
          </p>
        ) : !guard ? (
          <p className="text-sm text-slate-500" data-testid="no-guard">
            This version was trained before predictions were guarded and calibrated: its σ is the raw ensemble spread.
          </p>
        ) : (
          <div className="overflow-x-auto">
            <Table
              data-testid="version-calibration"
              rows={platforms}
              rowKey={(p) => p}
              columns={[
                { header: "Platform", className: "font-mono text-xs", cell: (p) => p },
                {
                  header: "σ from",
                  cell: (p) => {
                    const c = guard.platforms?.[p]?.calibration;
                    return c ? `${c.spread === "ensemble" ? "ensemble spread" : "constant relative"}${c.pooled ? " (pooled)" : ""}` : "—";
                  },
                },
                {
                  header: "factor",
                  align: "right",
                  className: "tabular-nums",
                  cell: (p) => {
                    const f = guard.platforms?.[p]?.calibration?.factor;
                    return f === undefined ? "—" : f.toFixed(2);
                  },
                },
                {
                  header: "±2σ coverage (validation)",
                  align: "right",
                  className: "tabular-nums",
                  cellProps: (p) => ({ "data-testid": `validation-coverage-${p}` }),
                  cell: (p) => {
                    const m = manifest.metrics?.validation?.[p];
                    const c = m?.coverage ?? guard.platforms?.[p]?.calibration?.coverage;
                    const n = m?.n ?? guard.platforms?.[p]?.calibration?.n;
                    return (
                      <>
                        <CoverageCell value={c} />
                        {n !== undefined && <span className="text-xs text-slate-500"> of {n}</span>}
                      </>
                    );
                  },
                },
                {
                  header: "MAPE (validation)",
                  align: "right",
                  className: "tabular-nums",
                  cell: (p) => pct(manifest.metrics?.validation?.[p]?.mape),
                },
                {
                  header: "floor",
                  align: "right",
                  className: "tabular-nums",
                  cell: (p) => {
                    const f = guard.platforms?.[p]?.floorMs;
                    return f === undefined ? "—" : `${fmtMs(f)} ms`;
                  },
                },
                { header: "analytical fit", cell: (p) => guard.platforms?.[p]?.analytical?.form ?? "—" },
              ]}
            />
          </div>
        )}
      </Card>

      <Card
        title="Calibration per split"
        description="Share of measured values inside the predicted ±2σ on each held-out split of the evaluation (npm run eval:predict); folds and shot counts pooled."
      >
        {!cov.length ? (
          <p className="text-sm text-slate-500" data-testid="no-eval-coverage">
            The evaluation report has no calibration figures yet (run npm run eval:predict).
          </p>
        ) : (
          <div className="overflow-x-auto">
            <Table
              data-testid="split-coverage"
              rows={keys}
              rowKey={([m, p]) => `${m}-${p}`}
              columns={[
                { header: "Method", cell: ([m]) => (m.endsWith("-guarded") ? `${m.slice(0, -8)} (guarded, as served)` : m) },
                { header: "Platform", className: "font-mono text-xs", cell: ([, p]) => p },
                ...splits.map((s) => ({
                  header: SPLIT_LABEL[s],
                  align: "right" as const,
                  className: "tabular-nums",
                  cell: ([m, p]: [string, string]) => (
                    <CoverageCell value={cov.find((c) => c.split === s && c.method === m && c.platform === p)?.coverage} />
                  ),
                })),
              ]}
            />
          </div>
        )}
      </Card>
    </div>
  );
}

/** Fetches the served version's manifest and the evaluation report, then renders CalibrationView. */
export default function PredictorCalibration({ manifestUrl, evalUrl = "/predictors/eval.json" }: { manifestUrl: string | null; evalUrl?: string }) {
  const [state, setState] = useState<{ manifest: ManifestLike | null; report: ReportLike | null; error: string | null; loading: boolean }>({
    manifest: null,
    report: null,
    error: null,
    loading: true,
  });
  useEffect(() => {
    let live = true;
    const get = async <T,>(url: string | null): Promise<T | null> => {
      if (!url) return null;
      const r = await fetch(url);
      return r.ok ? ((await r.json()) as T) : null;
    };
    Promise.all([get<ManifestLike>(manifestUrl), get<ReportLike>(evalUrl)])
      .then(([manifest, report]) => live && setState({ manifest, report, error: null, loading: false }))
      .catch((e: unknown) => live && setState({ manifest: null, report: null, error: (e as Error).message, loading: false }));
    return () => {
      live = false;
    };
  }, [manifestUrl, evalUrl]);
  if (state.error) return <Alert>Could not load the predictor&apos;s figures: {state.error}</Alert>;
  if (state.loading) return <p className="text-sm text-slate-500">Loading…</p>;
  return <CalibrationView manifest={state.manifest} report={state.report} />;
}
