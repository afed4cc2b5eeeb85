"use client";
/** Latency vs FLOPs on one platform: sampled models coloured by family, the Pareto front as a line. */
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
  const families = [...new Set(sample.map((p) => p.family))].sort();
  const series: ScatterSeries[] = families.map((f, i) => ({
    label: labels[f] ?? f,
    color: PALETTE[(i + 1) % PALETTE.length],
    points: sample
      .filter((p) => p.family === f)
      .map((p) => ({ x: p.flops, y: p.medianMs, id: p.modelId, label: `${labels[f] ?? f} #${p.modelId}` })),
  }));
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
