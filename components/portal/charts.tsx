"use client";
/**
 * Canvas charts of the portal (chart.js through react-chartjs-2): a log-log scatter with optional
 * reference lines (y = x and a ±band) and click-through to models, and a history line chart. Thousands of
 * points stay smooth: no animation, decimated hover, points drawn on one canvas.
 */
import { useMemo, useRef } from "react";
import { useRouter } from "next/navigation";
import {
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
  type TooltipItem,
} from "chart.js";
import { Line, Scatter } from "react-chartjs-2";

ChartJS.register(LinearScale, LogarithmicScale, PointElement, LineElement, Tooltip, Legend);

/** Colour-blind-friendly palette (Okabe–Ito, then Tableau). */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#F0E442",
  "#8C8C8C",
  "#4E79A7",
  "#F28E2B",
  "#59A14F",
  "#E15759",
  "#B07AA1",
  "#9C755F",
  "#76B7B2",
  "#EDC948",
  "#BAB0AC",
];

export interface ScatterPointView {
  x: number;
  y: number;
  /** model id: a click opens /models/<id> */
  id?: number;
  label: string;
}

export interface ScatterSeries {
  label: string;
  points: ScatterPointView[];
  color?: string;
  /** draw as a line through the points (e.g. a Pareto front), on top of the other series */
  line?: boolean;
  radius?: number;
}

/** 20000000 → "20M": tick labels of log axes. */
export function si(v: number): string {
  const a = Math.abs(v);
  for (const [d, u] of [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const)
    if (a >= d) return `${+(v / d).toPrecision(3)}${u}`;
  return a >= 1 ? `${+v.toPrecision(3)}` : `${+v.toPrecision(2)}`;
}

const logTicks = {
  callback: (v: number | string) => {
    const n = Number(v);
    const m = n / 10 ** Math.floor(Math.log10(n));
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? si(n) : "";
  },
  autoSkip: false,
  maxRotation: 0,
};

export function LogScatter({
  series,
  xLabel,
  yLabel,
  diagonal,
  band,
  height = 420,
  testId,
  ariaLabel,
}: {
  series: ScatterSeries[];
  xLabel: string;
  yLabel: string;
  /** draw y = x */
  diagonal?: boolean;
  /** draw y = x·(1 ± band), e.g. 0.1 */
  band?: number;
  height?: number;
  testId?: string;
  ariaLabel: string;
}) {
  const router = useRouter();
  const all = series.flatMap((s) => s.points);
  const lo = Math.min(...all.map((p) => Math.min(p.x, p.y)).filter((v) => v > 0), Infinity);
  const hi = Math.max(...all.map((p) => Math.max(p.x, p.y)), 0);
  const data = useMemo(() => {
    const sets: ChartDataset<"scatter", ScatterPointView[]>[] = series.map((s, i) => ({
      label: s.label,
      data: s.points,
      backgroundColor: (s.color ?? PALETTE[i % PALETTE.length]!) + (s.line ? "" : "b0"),
      borderColor: s.color ?? PALETTE[i % PALETTE.length]!,
      pointRadius: s.radius ?? (s.points.length > 1500 ? 1.8 : 3),
      pointHoverRadius: 6,
      showLine: !!s.line,
      borderWidth: s.line ? 2 : 0,
      order: s.line ? 0 : 1,
    }));
    if (diagonal && all.length) {
      const ref = (label: string, f: number, dash: number[]) => ({
        label,
        data: [
          { x: lo, y: lo * f, label },
          { x: hi, y: hi * f, label },
        ],
        showLine: true,
        borderColor: "#64748b",
        borderDash: dash,
        borderWidth: 1,
        pointRadius: 0,
        pointHoverRadius: 0,
        backgroundColor: "transparent",
      });
      sets.push(ref("y = x", 1, []));
      if (band) sets.push(ref(`+${band * 100}%`, 1 + band, [5, 4]), ref(`−${band * 100}%`, 1 - band, [5, 4]));
    }
    return { datasets: sets };
  }, [series, diagonal, band, lo, hi, all.length]);

  const options: ChartOptions<"scatter"> = {
    animation: false,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    scales: {
      x: { type: "logarithmic", title: { display: true, text: xLabel }, ticks: logTicks },
      y: { type: "logarithmic", title: { display: true, text: yLabel }, ticks: logTicks },
    },
    interaction: { mode: "nearest", intersect: true },
    plugins: {
      legend: { position: "bottom", labels: { filter: (item) => !/^[+−]/.test(item.text) } },
      tooltip: {
        callbacks: {
          label: (ctx: TooltipItem<"scatter">) => {
            const p = ctx.raw as ScatterPointView;
            return `${p.label}: ${si(p.x)} / ${si(p.y)}`;
          },
        },
      },
    },
    onClick: (_e, elements, chart) => {
      const el = elements[0];
      if (!el) return;
      const p = chart.data.datasets[el.datasetIndex]!.data[el.index] as unknown as ScatterPointView;
      if (p?.id) router.push(`/models/${p.id}`);
    },
    onHover: (e, elements) => {
      const target = e.native?.target as HTMLElement | undefined;
      if (target) target.style.cursor = elements.length ? "pointer" : "default";
    },
  };
  return (
    <div style={{ height }} data-testid={testId} data-points={all.length}>
      <Scatter data={data as never} options={options} aria-label={ariaLabel} role="img" />
    </div>
  );
}

export interface HistorySeries {
  label: string;
  points: { t: number; y: number }[];
}

const DAY = 86_400_000;

/**
 * How the time axis labels its ticks, from the time span it shows: dates when the points span days, the
 * time of day (UTC) when they all fall within about a day — so ticks never repeat one date. `title`
 * names the day when only times are shown.
 */
export function timeAxisFormat(times: number[]): { label: (t: number) => string; title: string } {
  const finite = times.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const iso = (t: number) => new Date(t).toISOString();
  if (!finite.length) return { label: (t) => iso(t).slice(0, 10), title: "date (UTC)" };
  const span = hi - lo;
  if (span < 1.5 * DAY) {
    const sameDay = iso(lo).slice(0, 10) === iso(hi).slice(0, 10);
    return sameDay
      ? { label: (t) => iso(t).slice(11, span < 120_000 ? 19 : 16), title: `${iso(lo).slice(0, 10)} (UTC)` }
      : { label: (t) => `${iso(t).slice(5, 10)} ${iso(t).slice(11, 16)}`, title: "date and time (UTC)" };
  }
  if (span < 10 * DAY) return { label: (t) => `${iso(t).slice(5, 10)} ${iso(t).slice(11, 13)}h`, title: "date and hour (UTC)" };
  return { label: (t) => iso(t).slice(0, 10), title: "date (UTC)" };
}

/** Values over time, one line per series (run history of a model, a team's cumulative usage). */
export function HistoryChart({
  series,
  height = 220,
  yLabel = "median ms",
  ariaLabel = "Median latency of every stored run over time",
  stepped = false,
}: {
  series: HistorySeries[];
  height?: number;
  yLabel?: string;
  ariaLabel?: string;
  stepped?: boolean;
}) {
  const data = {
    datasets: series.map((s, i) => ({
      label: s.label,
      data: s.points.map((p) => ({ x: p.t, y: p.y })),
      borderColor: PALETTE[i % PALETTE.length],
      backgroundColor: PALETTE[i % PALETTE.length],
      pointRadius: 3,
      borderWidth: 1.5,
      stepped: stepped ? ("after" as const) : false,
    })),
  };
  const box = useRef<HTMLDivElement>(null);
  const axis = timeAxisFormat(series.flatMap((s) => s.points.map((p) => p.t)));
  const options: ChartOptions<"line"> = {
    animation: false,
    maintainAspectRatio: false,
    parsing: false,
    scales: {
      x: {
        type: "linear",
        title: { display: true, text: axis.title },
        // a label equal to the previous tick's is left out: no axis repeats one date
        ticks: {
          callback: (v, i, ticks) =>
            i > 0 && axis.label(Number(ticks[i - 1]!.value)) === axis.label(Number(v)) ? "" : axis.label(Number(v)),
          maxTicksLimit: 6,
        },
        // the drawn labels, for tests and assistive tools
        afterTickToLabelConversion: (scale) => {
          if (box.current) box.current.dataset.xTicks = JSON.stringify(scale.ticks.map((t) => t.label).filter((l) => l !== ""));
        },
      },
      y: { type: "linear", title: { display: true, text: yLabel }, beginAtZero: stepped },
    },
    plugins: {
      legend: { position: "bottom" },
      tooltip: {
        callbacks: { title: (items) => new Date(Number(items[0]?.parsed.x)).toISOString().slice(0, 16).replace("T", " ") + " UTC" },
      },
    },
  };
  return (
    <div style={{ height }} ref={box} data-testid="history-chart">
      <Line data={data} options={options} aria-label={ariaLabel} role="img" />
    </div>
  );
}
