/**
 * Measurement quality on the portal (lib/quality.ts): the grade badge every shown measurement carries, its
 * figures in one line (clean runs / runs, ±CI, wall/CPU, interference, wait), and the notice of the pages
 * that read clean rows by default ("clean measurements only — show all").
 */
import Link from "next/link";
import type { MeasurementQualityView } from "@/lib/api/schemas/common";
import { GRADE_TEXT, type Grade, type QualityFilter } from "@/lib/quality";
import { Badge } from "@/components/ui";

const TONE: Record<Grade, "emerald" | "amber" | "red" | "slate"> = { clean: "emerald", estimated: "amber", contended: "red", legacy: "slate" };

/** The grade as a badge; its title says what the grade means. */
export function GradeBadge({ grade }: { grade: Grade }) {
  return (
    <span data-testid="grade-badge" data-grade={grade} title={`${grade}: ${GRADE_TEXT[grade]}`}>
      <Badge tone={TONE[grade]}>{grade}</Badge>
    </span>
  );
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** "12/15 clean runs · ±0.8% CI · wall/CPU 1.02 · interference 1.3% · waited 2.1 s" (figures a v1 row lacks are left out). */
export function qualityFigures(q: MeasurementQualityView): string {
  const parts: string[] = [];
  parts.push(q.cleanRuns === null ? `${q.runs} runs (protocol v${q.protocol})` : `${q.cleanRuns}/${q.runs} clean runs`);
  if (q.ciRel !== null) parts.push(`±${pct(q.ciRel)} CI`);
  if (q.wallCpuRatio !== null) parts.push(`wall/CPU ${q.wallCpuRatio.toFixed(2)}`);
  if (q.interferenceShare !== null) parts.push(`interference ${pct(q.interferenceShare)}`);
  if (q.waitMs) parts.push(`waited ${(q.waitMs / 1000).toFixed(1)} s`);
  return parts.join(" · ");
}

/** Grade badge plus the figures, for a table cell. */
export function QualityCell({ quality }: { quality: MeasurementQualityView }) {
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap">
      <GradeBadge grade={quality.grade} />
      <span className="text-xs text-slate-500 tabular-nums" data-testid="quality-figures">
        {qualityFigures(quality)}
      </span>
    </span>
  );
}

/**
 * What the page shows: clean measurements only (the default) with a link to show all, or every row marked
 * with its grade (and never ranked) with a link back. `hrefOf(q)` is the page's URL with `quality=q`.
 */
export function QualityNotice({ quality, hrefOf }: { quality: QualityFilter; hrefOf: (q: QualityFilter | undefined) => string }) {
  return (
    <p className="mb-4 text-sm text-slate-600" data-testid="quality-notice" data-quality={quality}>
      {quality === "clean" ? (
        <>
          Clean measurements only —{" "}
          <Link href={hrefOf("all")} className="text-indigo-700 hover:underline" data-testid="quality-show-all">
            show all
          </Link>{" "}
          (estimated, contended and legacy rows, marked and never ranked).
        </>
      ) : (
        <>
          All measurements: estimated, contended and legacy rows are marked with their grade and never ranked —{" "}
          <Link href={hrefOf(undefined)} className="text-indigo-700 hover:underline" data-testid="quality-clean-only">
            clean measurements only
          </Link>
          .
        </>
      )}
    </p>
  );
}
