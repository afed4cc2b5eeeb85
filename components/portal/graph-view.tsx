"use client";
/**
 * The network as a layered DAG on a canvas, each operator coloured by its share of the runtime profile
 * (per-kernel times attributed to the original nodes they were fused from). Only what is in view is drawn,
 * so thousands of nodes pan and zoom smoothly. Mouse: drag to pan, wheel to scroll, Ctrl/⌘+wheel to zoom.
 * Keyboard (focus the canvas): arrows pan, + / − zoom, 0 fits the width. The slowest operators are also
 * listed as a table (the accessible form of the same information).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { GraphView as GraphData } from "@/lib/services/portal-model";
import { NODE_H, NODE_W } from "@/lib/portal/graph-layout";

interface ViewState {
  scale: number;
  tx: number;
  ty: number;
}

/** pale yellow → orange → dark red on a log scale of t in [lo, hi] */
function heat(t: number, lo: number, hi: number): string {
  if (t < 0) return "#e2e8f0";
  const f = hi > lo ? Math.min(1, Math.max(0, (Math.log(Math.max(t, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)))) : 1;
  return `hsl(${50 - 50 * f} 95% ${88 - 52 * f}%)`;
}

const fmtUs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);

export function GraphView({ graph }: { graph: GraphData }) {
  const platforms = Object.keys(graph.times);
  const [platform, setPlatform] = useState(platforms[0] ?? "");
  const times = useMemo(() => graph.times[platform] ?? new Array<number>(graph.nodes.length).fill(-1), [graph, platform]);
  const known = times.filter((t) => t > 0);
  const lo = known.length ? Math.min(...known) : 1;
  const hi = known.length ? Math.max(...known) : 1;
  const total = known.reduce((a, b) => a + b, 0);

  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const height = 560;
  const [view, setView] = useState<ViewState>({ scale: 1, tx: 0, ty: 0 });
  const [hover, setHover] = useState<{ i: number; x: number; y: number } | null>(null);
  const drag = useRef<{ x: number; y: number; tx: number; ty: number } | null>(null);

  const fit = useCallback(() => {
    const s = Math.min(1, width / graph.width);
    setView({ scale: s, tx: (width - graph.width * s) / 2, ty: 0 });
  }, [width, graph.width]);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  useEffect(() => fit(), [fit]);

  // children per node for edge culling is not needed: edges are culled by their y-span
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = height * dpr;
    const ctx = c.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.save();
    ctx.translate(view.tx, view.ty);
    ctx.scale(view.scale, view.scale);
    const y0 = -view.ty / view.scale - NODE_H;
    const y1 = (height - view.ty) / view.scale + NODE_H;
    ctx.strokeStyle = "#94a3b8";
    ctx.lineWidth = 1 / Math.max(view.scale, 0.4);
    ctx.beginPath();
    for (const [a, b] of graph.edges) {
      const p = graph.nodes[a]!;
      const q = graph.nodes[b]!;
      if (q.y < y0 || p.y > y1) continue;
      const py = p.y + NODE_H / 2;
      const qy = q.y - NODE_H / 2;
      ctx.moveTo(p.x, py);
      ctx.bezierCurveTo(p.x, (py + qy) / 2, q.x, (py + qy) / 2, q.x, qy);
    }
    ctx.stroke();
    const labels = view.scale > 0.45;
    ctx.font = "11px ui-sans-serif, system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    graph.nodes.forEach((n, i) => {
      if (n.y < y0 || n.y > y1) return;
      ctx.fillStyle = heat(times[i]!, lo, hi);
      ctx.fillRect(n.x - NODE_W / 2, n.y - NODE_H / 2, NODE_W, NODE_H);
      ctx.strokeStyle = hover?.i === i ? "#4338ca" : "#64748b";
      ctx.lineWidth = hover?.i === i ? 2 : 0.6;
      ctx.strokeRect(n.x - NODE_W / 2, n.y - NODE_H / 2, NODE_W, NODE_H);
      if (labels) {
        ctx.fillStyle = "#0f172a";
        ctx.fillText(n.op.length > 16 ? n.op.slice(0, 15) + "…" : n.op, n.x, n.y);
      }
    });
    ctx.restore();
  }, [graph, times, lo, hi, view, width, hover]);

  const nodeAt = (mx: number, my: number): number => {
    const x = (mx - view.tx) / view.scale;
    const y = (my - view.ty) / view.scale;
    return graph.nodes.findIndex((n) => Math.abs(n.x - x) <= NODE_W / 2 && Math.abs(n.y - y) <= NODE_H / 2);
  };
  const zoom = (f: number, cx = width / 2, cy = height / 2) =>
    setView((v) => {
      const s = Math.min(3, Math.max(0.05, v.scale * f));
      return { scale: s, tx: cx - ((cx - v.tx) * s) / v.scale, ty: cy - ((cy - v.ty) * s) / v.scale };
    });
  const pan = (dx: number, dy: number) => setView((v) => ({ ...v, tx: v.tx + dx, ty: v.ty + dy }));

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
      else pan(-e.deltaX, -e.deltaY);
    };
    c.addEventListener("wheel", onWheel, { passive: false });
    return () => c.removeEventListener("wheel", onWheel);
  });

  const slowest = times
    .map((t, i) => ({ t, i }))
    .filter((x) => x.t > 0)
    .sort((a, b) => b.t - a.t)
    .slice(0, 10);
  const h = hover ? graph.nodes[hover.i] : null;

  return (
    <div className="space-y-3" data-testid="graph-view" data-nodes={graph.nodes.length}>
      <div className="flex flex-wrap items-center gap-3 text-sm">
        {platforms.length > 0 ? (
          <label className="flex items-center gap-2">
            <span className="text-slate-700">Colour by profile on</span>
            <select value={platform} onChange={(e) => setPlatform(e.target.value)} className="rounded-md px-2 py-1 font-mono text-xs ring-1 ring-slate-300">
              {platforms.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
        ) : (
          <span className="text-slate-500">No per-operator profile stored yet: nodes are uncoloured.</span>
        )}
        <span className="text-slate-500">
          {graph.nodes.length} operators, {graph.layers} layers
        </span>
        <div className="ml-auto flex gap-1" role="group" aria-label="Zoom">
          <button type="button" onClick={() => zoom(1.25)} className="rounded px-2 py-0.5 ring-1 ring-slate-300 hover:bg-slate-50" aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => zoom(0.8)} className="rounded px-2 py-0.5 ring-1 ring-slate-300 hover:bg-slate-50" aria-label="Zoom out">
            −
          </button>
          <button type="button" onClick={fit} className="rounded px-2 py-0.5 ring-1 ring-slate-300 hover:bg-slate-50">
            Fit width
          </button>
        </div>
      </div>
      <div ref={wrap} className="relative overflow-hidden rounded-md bg-slate-50 ring-1 ring-slate-200">
        <canvas
          ref={canvas}
          tabIndex={0}
          role="img"
          aria-label={`Graph of ${graph.nodes.length} operators; arrow keys pan, plus and minus zoom, 0 fits`}
          style={{ width, height, display: "block", cursor: drag.current ? "grabbing" : "grab" }}
          className="focus-visible:outline-2 focus-visible:outline-indigo-600"
          onKeyDown={(e) => {
            const k = e.key;
            if (k === "ArrowUp") pan(0, 60);
            else if (k === "ArrowDown") pan(0, -60);
            else if (k === "ArrowLeft") pan(60, 0);
            else if (k === "ArrowRight") pan(-60, 0);
            else if (k === "+" || k === "=") zoom(1.25);
            else if (k === "-") zoom(0.8);
            else if (k === "0") fit();
            else return;
            e.preventDefault();
          }}
          onMouseDown={(e) => (drag.current = { x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty })}
          onMouseUp={() => (drag.current = null)}
          onMouseLeave={() => {
            drag.current = null;
            setHover(null);
          }}
          onMouseMove={(e) => {
            const d = drag.current;
            if (d) {
              setView((v) => ({ ...v, tx: d.tx + e.clientX - d.x, ty: d.ty + e.clientY - d.y }));
              return;
            }
            const r = e.currentTarget.getBoundingClientRect();
            const i = nodeAt(e.clientX - r.left, e.clientY - r.top);
            setHover(i >= 0 ? { i, x: e.clientX - r.left, y: e.clientY - r.top } : null);
          }}
        />
        {h && hover && (
          <div
            className="pointer-events-none absolute z-10 max-w-xs rounded-md bg-slate-900/90 px-2.5 py-1.5 text-xs text-white shadow"
            style={{ left: Math.min(hover.x + 12, width - 220), top: hover.y + 12 }}
            data-testid="graph-tooltip"
          >
            <div className="font-semibold">{h.op}</div>
            <div className="truncate text-slate-300">{h.name || "(unnamed)"}</div>
            {times[hover.i]! > 0 && (
              <div>
                {fmtUs(times[hover.i]!)} · {((times[hover.i]! / total) * 100).toFixed(1)}% of kernel time
              </div>
            )}
          </div>
        )}
      </div>
      {known.length > 0 && (
        <div className="flex items-center gap-2 text-xs text-slate-600">
          <span>{fmtUs(lo)}</span>
          <span className="h-2 w-40 rounded" style={{ background: `linear-gradient(to right, ${heat(lo, lo, hi)}, ${heat(Math.sqrt(lo * hi), lo, hi)}, ${heat(hi, lo, hi)})` }} />
          <span>{fmtUs(hi)} per operator (log scale) · grey: no kernel time recorded (fused away or not profiled)</span>
        </div>
      )}
      {slowest.length > 0 && (
        <table className="w-full text-left text-xs" data-testid="slowest-ops">
          <caption className="mb-1 text-left text-sm font-medium text-slate-700">Slowest operators on {platform}</caption>
          <thead className="text-slate-500">
            <tr>
              <th className="py-1 pr-2">Operator</th>
              <th className="py-1 pr-2">Node</th>
              <th className="py-1 pr-2 text-right">Time</th>
              <th className="py-1 text-right">Share</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {slowest.map(({ t, i }) => (
              <tr key={i}>
                <td className="py-1 pr-2">{graph.nodes[i]!.op}</td>
                <td className="max-w-[16rem] truncate py-1 pr-2 font-mono">{graph.nodes[i]!.name}</td>
                <td className="py-1 pr-2 text-right tabular-nums">{fmtUs(t)}</td>
                <td className="py-1 text-right tabular-nums">{((t / total) * 100).toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
