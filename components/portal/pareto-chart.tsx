"use client";
/**
 * Latency vs FLOPs on one platform: sampled clean models coloured by family, the Pareto front (clean rows
 * only) as a line; with quality=all the estimated / contended / legacy points are one grey series, unranked.
 */
import type { ScatterPoint } from "@/lib/services/portal";
import { LogScatter, PALETTE, type ScatterSeries } from "./charts";

export function ParetoChart({
  sample,
  front,
  labels,
}: {
  sample: ScatterPoint[];
  front: { id: number; name: string; flops: number; medianMs: number }[];
  labels: Record<string, string>;
}) {
  const clean = sample.filter((p) => p.grade === "clean");
  const other = sample.filter((p) => p.grade !== "clean");
  const families = [...new Set(clean.map((p) => p.family))].sort();
  const series: ScatterSeries[] = families.map((f, i) => ({
    label: labels[f] ?? f,
    color: PALETTE[(i + 1) % PALETTE.length],
    points: clean
      .filter((p) => p.family === f)
      .map((p) => ({ x: p.flops, y: p.medianMs, id: p.modelId, label: `${labels[f] ?? f} #${p.modelId}` })),
  }));
  if (other.length) {
    series.push({
      label: "not clean (unranked)",
      color: "#94a3b8",
      points: other.map((p) => ({ x: p.flops, y: p.medianMs, id: p.modelId, label: `${p.grade} · ${labels[p.family] ?? p.family} #${p.modelId}` })),
    });
  }
  series.push({
    label: "Pareto front",
    color: "#111827",
    line: true,
    radius: 3.5,
    points: front.map((p) => ({ x: p.flops, y: p.medianMs, id: p.id, label: p.name })),
  });
  return (
    <LogScatter
      series={series}
      xLabel="FLOPs"
      yLabel="median latency (ms)"
      testId="pareto-chart"
      ariaLabel="Latency against FLOPs, Pareto front highlighted"
    />
  );
}
