"use client";
/**
 * Client charts of the compare page: predicted vs measured (±10% band) and platform vs platform. Points
 * whose measurement is not clean (quality=all) are one grey series, labelled with their grade.
 */
import type { CompareData, PlatformsSideBySide } from "@/lib/services/portal-model";
import { LogScatter, PALETTE, type ScatterSeries } from "./charts";

function byFamily<T extends { family: string }>(
  all: T[],
  labels: Record<string, string>,
  xy: (p: T) => { x: number; y: number; id: number; label: string },
  gradeOf: (p: T) => string = () => "clean",
): ScatterSeries[] {
  const points = all.filter((p) => gradeOf(p) === "clean");
  const other = all.filter((p) => gradeOf(p) !== "clean");
  const fams = [...new Set(points.map((p) => p.family))].sort();
  const series: ScatterSeries[] = fams.map((f, i) => ({
    label: labels[f] ?? f,
    color: PALETTE[i % PALETTE.length],
    points: points.filter((p) => p.family === f).map(xy),
  }));
  if (other.length) {
    series.push({
      label: "not clean",
      color: "#94a3b8",
      points: other.map((p) => {
        const v = xy(p);
        return { ...v, label: `${gradeOf(p)} · ${v.label}` };
      }),
    });
  }
  return series;
}

export function PredictedVsMeasuredChart({ data, labels }: { data: CompareData; labels: Record<string, string> }) {
  return (
    <LogScatter
      series={byFamily(
        data.points,
        labels,
        (p) => ({ x: p.measuredMs, y: p.predictedMs, id: p.id, label: p.name }),
        (p) => p.grade,
      )}
      xLabel="measured median latency (ms)"
      yLabel="predicted latency (ms)"
      diagonal
      band={0.1}
      testId="pvm-chart"
      ariaLabel={`Predicted against measured latency of ${data.points.length} models on ${data.platform}`}
    />
  );
}

export function PlatformPairChart({ data, labels }: { data: PlatformsSideBySide; labels: Record<string, string> }) {
  return (
    <LogScatter
      series={byFamily(
        data.points,
        labels,
        (p) => ({ x: p.aMs, y: p.bMs, id: p.id, label: p.name }),
        (p) => (p.aGrade !== "clean" ? p.aGrade : p.bGrade),
      )}
      xLabel={`${data.a} (ms)`}
      yLabel={`${data.b} (ms)`}
      diagonal
      testId="platform-pair-chart"
      ariaLabel={`Latency on ${data.b} against ${data.a}`}
    />
  );
}
