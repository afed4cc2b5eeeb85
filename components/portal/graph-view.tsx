"use client";
/**
 * The model graph, Netron-style: a layered top-to-bottom DAG (dagre, laid out in a Web Worker so the page
 * stays responsive) drawn as SVG. Boxes show the op type and node name (the full name in the tooltip and
 * the side panel); edges carry the tensor shapes. Click a node for its attributes, inputs/outputs with
 * shapes, MACs / FLOPs / parameters and — when a profile exists — its measured kernel time. Nodes are
 * coloured by their share of the measured time (legend), else by op category. Wheel zooms at the cursor,
 * drag pans; buttons zoom / fit; search by name or op type highlights and centres the matches. Graphs of
 * more than LAYOUT_CAP nodes are shown in sections of the topological order.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { GraphView as GraphData } from "@/lib/services/portal-model";
import { LAYOUT_CAP, LABEL_CHAR, layoutGraph, layoutInput, type FeedNode, type LayoutResult } from "@/lib/portal/graph-layout";
import type { LayoutAnswer, LayoutRequest } from "./graph-layout.worker";
import { GraphPanel } from "./graph-panel";
import { category, categoryStyle, fmtUs, NO_TIME, SHARE_BUCKETS, shareStyle, type CategoryKey } from "./graph-style";
import { Table } from "@/components/ui/table";

interface View {
  k: number;
  x: number;
  y: number;
}

const HEIGHT = 640;
const PANEL_W = 340;
const MIN_K = 0.03;
const MAX_K = 4;
const clampK = (k: number) => Math.min(MAX_K, Math.max(MIN_K, k));

/** Runs the layout of nodes [start, end) in a Web Worker (on the main thread only if workers fail). */
function useLayout(graph: GraphData, start: number, end: number) {
  const [state, setState] = useState<{
    key: string;
    result?: LayoutResult;
    edgeIds?: number[];
    error?: string;
    wallMs?: number;
    where?: "worker" | "main thread";
  }>({ key: "" });
  const key = `${start}-${end}`;
  useEffect(() => {
    let alive = true;
    const { input, edgeIds } = layoutInput(graph, start, end);
    const t0 = performance.now();
    const done = (where: "worker" | "main thread", result?: LayoutResult, error?: string) =>
      alive && setState({ key, result, edgeIds, error, wallMs: Math.round(performance.now() - t0), where });
    const onMain = () =>
      setTimeout(() => {
        try {
          done("main thread", layoutGraph(input));
        } catch (e) {
          done("main thread", undefined, (e as Error).message);
        }
      }, 0);
    let worker: Worker | null = null;
    try {
      worker = new Worker(new URL("./graph-layout.worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (ev: MessageEvent<LayoutAnswer>) => done("worker", ev.data.result, ev.data.error);
      worker.onerror = (ev) => {
        ev.preventDefault();
        worker?.terminate();
        onMain();
      };
      worker.postMessage({ id: 1, input } satisfies LayoutRequest);
    } catch {
      onMain();
    }
    return () => {
      alive = false;
      worker?.terminate();
    };
  }, [graph, start, end, key]);
  return state.key === key ? state : { key, result: undefined, edgeIds: undefined, error: undefined, wallMs: undefined, where: undefined };
}

/** A polyline through dagre's points as a smooth path (quadratic segments through the midpoints). */
function pathOf(pts: { x: number; y: number }[]): string {
  const r = (v: number) => Math.round(v * 10) / 10;
  if (pts.length < 3) return `M${r(pts[0]!.x)},${r(pts[0]!.y)}L${r(pts[pts.length - 1]!.x)},${r(pts[pts.length - 1]!.y)}`;
  let d = `M${r(pts[0]!.x)},${r(pts[0]!.y)}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const p = pts[i]!;
    const q = pts[i + 1]!;
    d += `Q${r(p.x)},${r(p.y)} ${r((p.x + q.x) / 2)},${r((p.y + q.y) / 2)}`;
  }
  const last = pts[pts.length - 1]!;
  return `${d}L${r(last.x)},${r(last.y)}`;
}

const cut = (s: string, px: number, charPx: number) => {
  const n = Math.max(3, Math.floor(px / charPx));
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

interface SceneProps {
  graph: GraphData;
  start: number;
  layout: LayoutResult;
  edgeIds: number[];
  styleOf: (i: number) => { fill: string; stroke: string; text: string };
  titleOf: (i: number) => string;
  selected: number | null;
  matches: Set<number>;
  current: number | null;
  onPick: (i: number) => void;
}

/** The drawing itself; memoised so panning and zooming only change the outer transform. */
const Scene = memo(function Scene({ graph, start, layout, edgeIds, styleOf, titleOf, selected, matches, current, onPick }: SceneProps) {
  return (
    <>
      <g fill="none" stroke="#94a3b8" strokeWidth={1.1}>
        {layout.edges.map((e, k) => {
          const fe = graph.edges[edgeIds[k]!]!;
          const hot = selected !== null && (fe.from === selected || fe.to === selected);
          return (
            <path
              key={k}
              d={pathOf(e.points)}
              markerEnd={hot ? "url(#graph-arrow-hot)" : "url(#graph-arrow)"}
              stroke={hot ? "#4f46e5" : undefined}
              strokeWidth={hot ? 2 : undefined}
            />
          );
        })}
      </g>
      <g
        className="font-mono"
        fontSize={9.5}
        fill="#64748b"
        stroke="#ffffff"
        strokeWidth={3}
        paintOrder="stroke"
        textAnchor="middle"
        dominantBaseline="central"
        data-testid="graph-edge-labels"
      >
        {layout.edges.map((e, k) => {
          const fe = graph.edges[edgeIds[k]!]!;
          return fe.shape ? (
            <text key={k} x={Math.round(e.lx)} y={Math.round(e.ly)} data-tensor={fe.tensor}>
              {cut(fe.shape, 200, LABEL_CHAR)}
              <title>{`${fe.tensor}: ${fe.shape}`}</title>
            </text>
          ) : null;
        })}
      </g>
      {layout.nodes.map((p, li) => {
        const i = li + start;
        const n = graph.nodes[i]!;
        const st = styleOf(i);
        const sel = i === selected;
        const hit = matches.has(i);
        const x = Math.round(p.x - p.w / 2);
        const y = Math.round(p.y - p.h / 2);
        return (
          <g
            key={i}
            transform={`translate(${x},${y})`}
            data-node={i}
            data-name={n.name}
            data-op={n.op}
            data-match={hit ? (i === current ? "current" : "yes") : undefined}
            data-selected={sel ? "yes" : undefined}
            className="cursor-pointer"
            onClick={(e) => {
              e.stopPropagation();
              onPick(i);
            }}
          >
            <title>{titleOf(i)}</title>
            {hit && (
              <rect
                x={-5}
                y={-5}
                width={p.w + 10}
                height={p.h + 10}
                rx={8}
                fill={i === current ? "#fde047" : "#fef08a"}
                stroke="#ca8a04"
                strokeWidth={i === current ? 2.5 : 1}
              />
            )}
            <rect
              width={p.w}
              height={p.h}
              rx={n.kind === "op" ? 5 : p.h / 2}
              fill={st.fill}
              stroke={sel ? "#4338ca" : st.stroke}
              strokeWidth={sel ? 3 : 1.2}
            />
            {n.kind === "op" ? (
              <>
                <text x={p.w / 2} y={15} textAnchor="middle" fontSize={12} fontWeight={600} fill={st.text}>
                  {cut(n.op, p.w - 10, 7.4)}
                </text>
                <text x={p.w / 2} y={30} textAnchor="middle" fontSize={10.5} className="font-mono" fill={st.text} opacity={0.8}>
                  {cut(n.name || "(unnamed)", p.w - 10, 6.3)}
                </text>
              </>
            ) : (
              <text x={p.w / 2} y={p.h / 2 + 4} textAnchor="middle" fontSize={10.5} className="font-mono" fill="#0f172a">
                {cut(`${n.kind === "input" ? "▶ " : "◼ "}${n.name}`, p.w - 14, 6.3)}
              </text>
            )}
          </g>
        );
      })}
    </>
  );
});

export function GraphView({ graph }: { graph: GraphData }) {
  const platforms = Object.keys(graph.times);
  const [platform, setPlatform] = useState(platforms[0] ?? "");
  const [mode, setMode] = useState<"time" | "op">(platforms.length ? "time" : "op");
  const times = useMemo(() => (platform && graph.times[platform]) || null, [graph, platform]);
  const total = useMemo(() => (times ? times.reduce((a, t) => a + (t > 0 ? t : 0), 0) : 0), [times]);
  const total_nodes = graph.nodes.length;

  // big graphs: one section of the topological order at a time
  const [section, setSection] = useState(0);
  const start = section * LAYOUT_CAP;
  const end = Math.min(total_nodes, start + LAYOUT_CAP);
  const sections = Math.ceil(total_nodes / LAYOUT_CAP);
  const lay = useLayout(graph, start, end);
  const layout = lay.result;

  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 900, h: HEIGHT });
  const [view, setView] = useState<View>({ k: 1, x: 0, y: 0 });
  const [selected, setSelected] = useState<number | null>(null);
  const [query, setQuery] = useState("");
  const [cursor, setCursor] = useState(0);
  const pendingCentre = useRef<number | null>(null);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(null);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, [selected !== null]); // the panel changes the drawing area's width

  // tensor → producer, tensor → consumers (for the panel's links)
  const { producers, consumers } = useMemo(() => {
    const producers = new Map<string, number>();
    const consumers = new Map<string, number[]>();
    for (const e of graph.edges) {
      producers.set(e.tensor, e.from);
      consumers.set(e.tensor, [...(consumers.get(e.tensor) ?? []), e.to]);
    }
    return { producers, consumers };
  }, [graph]);

  const styleOf = useCallback(
    (i: number) => {
      const n = graph.nodes[i]!;
      if (n.kind !== "op") return { ...categoryStyle("io"), text: "#0f172a" };
      if (mode === "time" && times) return shareStyle(times[i]! >= 0 && total > 0 ? times[i]! / total : null);
      return { ...categoryStyle(category(n.op, n.kind)), text: "#0f172a" };
    },
    [graph, mode, times, total],
  );
  const titleOf = useCallback(
    (i: number) => {
      const n = graph.nodes[i]!;
      const t = times?.[i] ?? -1;
      const time =
        n.kind === "op" && times
          ? t >= 0
            ? `\n${fmtUs(t)} · ${((t / total) * 100).toFixed(2)}% of the kernel time on ${platform}`
            : "\nno kernel time recorded"
          : "";
      const outs = n.outputs.map((o) => `${o.name}: ${o.shape ?? "?"}`).join("\n");
      return `${n.op}${n.kind === "op" ? ` — ${n.name || "(unnamed)"}` : ` ${n.name}`}${time}${outs ? `\n${outs}` : ""}\n(click for details)`;
    },
    [graph, times, total, platform],
  );

  // search: by node name (or op type), case-insensitive, over the whole graph
  const matchList = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const out: number[] = [];
    graph.nodes.forEach((n, i) => (n.name.toLowerCase().includes(q) || n.op.toLowerCase() === q) && out.push(i));
    return out;
  }, [graph, query]);
  const matches = useMemo(() => new Set(matchList), [matchList]);
  const current = matchList.length ? matchList[Math.min(cursor, matchList.length - 1)]! : null;

  const fitWidth = useCallback(() => {
    if (!layout) return;
    const k = clampK(Math.min(1, (size.w - 24) / layout.width));
    setView({ k, x: (size.w - layout.width * k) / 2, y: 8 });
  }, [layout, size.w]);
  const fitAll = useCallback(() => {
    if (!layout) return;
    const k = clampK(Math.min(1, (size.w - 24) / layout.width, (size.h - 24) / layout.height));
    setView({ k, x: (size.w - layout.width * k) / 2, y: (size.h - layout.height * k) / 2 });
  }, [layout, size]);
  const centreOn = useCallback(
    (i: number) => {
      if (i < start || i >= end) {
        pendingCentre.current = i;
        setSection(Math.floor(i / LAYOUT_CAP));
        return;
      }
      if (!layout) {
        pendingCentre.current = i;
        return;
      }
      const p = layout.nodes[i - start]!;
      setView((v) => {
        const k = Math.max(v.k, 0.9);
        return { k, x: size.w / 2 - p.x * k, y: size.h / 2 - p.y * k };
      });
    },
    [layout, start, end, size],
  );
  // a new layout: centre on what was asked for, else fit the width
  useEffect(() => {
    if (!layout) return;
    const want = pendingCentre.current;
    pendingCentre.current = null;
    if (want !== null && want >= start && want < end) centreOn(want);
    else fitWidth();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a selection made elsewhere (search, slowest ops) moves the view
    if (current !== null) centreOn(current);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current]);

  const zoomAt = useCallback((f: number, cx: number, cy: number) => {
    setView((v) => {
      const k = clampK(v.k * f);
      return { k, x: cx - ((cx - v.x) * k) / v.k, y: cy - ((cy - v.y) * k) / v.k };
    });
  }, []);
  const zoom = (f: number) => zoomAt(f, size.w / 2, size.h / 2);
  const pan = (dx: number, dy: number) => setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const d = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      zoomAt(Math.exp(-d * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [zoomAt]);

  useEffect(() => {
    if (!dragging) return;
    const move = (e: PointerEvent) => {
      const d = drag.current;
      if (!d) return;
      if (Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) > 3) d.moved = true;
      setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y }));
    };
    const up = () => {
      setDragging(false);
      setTimeout(() => (drag.current = null), 0);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    return () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
  }, [dragging]);

  const pick = useCallback(
    (i: number) => {
      if (drag.current?.moved) return; // the end of a drag, not a click
      setSelected(i);
      // keep the node in sight once the panel takes its share of the width
      const p = layout?.nodes[i - start];
      if (!p) return;
      setView((v) => {
        const room = (selected === null ? size.w - PANEL_W : size.w) - 24;
        const right = v.x + (p.x + p.w / 2) * v.k;
        const left = v.x + (p.x - p.w / 2) * v.k;
        return right > room ? { ...v, x: v.x - (right - room) } : left < 12 ? { ...v, x: v.x + (12 - left) } : v;
      });
    },
    [layout, start, selected, size.w],
  );
  const select = (i: number) => {
    setSelected(i);
    centreOn(i);
  };

  const opCounts = useMemo(() => {
    const m = new Map<CategoryKey, number>();
    for (const n of graph.nodes) if (n.kind === "op") m.set(category(n.op), (m.get(category(n.op)) ?? 0) + 1);
    return [...m].sort((a, b) => b[1] - a[1]);
  }, [graph]);
  const slowest = useMemo(
    () =>
      times
        ? times
            .map((t, i) => ({ t, i }))
            .filter((x) => x.t > 0)
            .sort((a, b) => b.t - a.t)
            .slice(0, 10)
        : [],
    [times],
  );
  const sel: FeedNode | null = selected !== null ? graph.nodes[selected]! : null;
  const nodeLabel = useCallback((i: number) => `${graph.nodes[i]!.op} ${graph.nodes[i]!.name}`, [graph]);
  const btn =
    "rounded-md bg-white px-2 py-1 text-sm leading-none text-slate-700 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-40";

  return (
    <div
      className="space-y-3"
      data-testid="graph-view"
      data-nodes={graph.ops}
      data-layout={layout ? "ready" : lay.error ? "error" : "running"}
      data-layout-ms={lay.wallMs}
      data-layout-where={lay.where}
    >
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
        <div className="flex items-center gap-2">
          <span className="text-slate-600">Colour by</span>
          <div className="inline-flex overflow-hidden rounded-md ring-1 ring-slate-300" role="radiogroup" aria-label="Colour by">
            <button
              type="button"
              role="radio"
              aria-checked={mode === "time"}
              disabled={!platforms.length}
              onClick={() => setMode("time")}
              className={`px-2.5 py-1 text-xs ${mode === "time" ? "bg-indigo-600 text-white" : "bg-white text-slate-700 hover:bg-slate-50"} disabled:cursor-not-allowed disabled:text-slate-400`}
              title={platforms.length ? "share of the measured kernel time" : "no per-operator profile is stored for this model yet"}
            >
              Share of time
            </button>
            <button
              type="button"
              role="radio"
              aria-checked={mode === "op"}
              onClick={() => setMode("op")}
              className={`px-2.5 py-1 text-xs ${mode === "op" ? "bg-indigo-600 text-white" : "bg-white text-slate-700 hover:bg-slate-50"}`}
            >
              Op type
            </button>
          </div>
          {platforms.length > 0 && mode === "time" && (
            <select
              value={platform}
              onChange={(e) => setPlatform(e.target.value)}
              className="rounded-md px-2 py-1 font-mono text-xs ring-1 ring-slate-300"
              aria-label="Profile of platform"
              data-testid="graph-platform"
            >
              {platforms.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          )}
        </div>
        <form
          className="flex items-center gap-1.5"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (matchList.length) {
              const next = (cursor + 1) % matchList.length;
              setCursor(next);
              if (matchList[next] === current && current !== null) centreOn(current);
            }
          }}
        >
          <input
            type="search"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setCursor(0);
            }}
            placeholder="Find node by name…"
            aria-label="Find node by name"
            data-testid="graph-search"
            className="w-56 rounded-md px-2.5 py-1 text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
          />
          {query.trim() && (
            <span className="text-xs text-slate-600 tabular-nums" data-testid="graph-search-count">
              {matchList.length ? `${Math.min(cursor, matchList.length - 1) + 1} of ${matchList.length}` : "no match"}
            </span>
          )}
          {matchList.length > 1 && (
            <button type="submit" className={btn} aria-label="Next match">
              ↓
            </button>
          )}
        </form>
        <span className="ml-auto text-xs text-slate-500">
          {graph.ops.toLocaleString("en")} operators · {graph.edges.length.toLocaleString("en")} edges
          {lay.wallMs !== undefined && ` · laid out in ${(lay.wallMs / 1000).toFixed(2)} s`}
        </span>
      </div>

      {sections > 1 && (
        <div
          className="flex flex-wrap items-center gap-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200"
          data-testid="graph-section"
        >
          <span>
            This graph has {total_nodes.toLocaleString("en")} nodes; the view lays out {LAYOUT_CAP.toLocaleString("en")} at a time. Showing
            nodes {(start + 1).toLocaleString("en")}–{end.toLocaleString("en")} in topological order (section {section + 1} of {sections});
            edges to other sections are listed in the panel. Search covers the whole graph.
          </span>
          <span className="ml-auto flex gap-1">
            <button type="button" className={btn} disabled={section === 0} onClick={() => setSection((s) => s - 1)}>
              ◀ Previous
            </button>
            <button type="button" className={btn} disabled={section >= sections - 1} onClick={() => setSection((s) => s + 1)}>
              Next ▶
            </button>
          </span>
        </div>
      )}

      <div className="relative flex overflow-hidden rounded-lg ring-1 ring-slate-200" style={{ height: HEIGHT }}>
        <div
          ref={box}
          className="relative min-w-0 flex-1 touch-none overflow-hidden bg-slate-50 outline-none select-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-inset"
          style={{
            cursor: dragging ? "grabbing" : "grab",
            backgroundImage: "radial-gradient(#dbe2ea 1px, transparent 1px)",
            backgroundSize: "18px 18px",
          }}
          tabIndex={0}
          role="application"
          aria-label={`Graph of ${graph.ops} operators. Drag or arrow keys pan, wheel or plus and minus zoom, 0 fits, Escape closes the details.`}
          data-testid="graph-canvas"
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
            setDragging(true);
          }}
          onKeyDown={(e) => {
            const k = e.key;
            if (k === "ArrowUp") pan(0, 80);
            else if (k === "ArrowDown") pan(0, -80);
            else if (k === "ArrowLeft") pan(80, 0);
            else if (k === "ArrowRight") pan(-80, 0);
            else if (k === "+" || k === "=") zoom(1.25);
            else if (k === "-") zoom(0.8);
            else if (k === "0") fitAll();
            else if (k === "Escape") setSelected(null);
            else return;
            e.preventDefault();
          }}
        >
          <svg width="100%" height="100%" className="block" data-testid="graph-svg">
            <defs>
              <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M0,1L10,5L0,9z" fill="#94a3b8" />
              </marker>
              <marker
                id="graph-arrow-hot"
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="6"
                markerHeight="6"
                orient="auto-start-reverse"
              >
                <path d="M0,1L10,5L0,9z" fill="#4f46e5" />
              </marker>
            </defs>
            <g data-testid="graph-viewport" transform={`translate(${view.x.toFixed(1)},${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`}>
              {layout && lay.edgeIds && (
                <Scene
                  graph={graph}
                  start={start}
                  layout={layout}
                  edgeIds={lay.edgeIds}
                  styleOf={styleOf}
                  titleOf={titleOf}
                  selected={selected}
                  matches={matches}
                  current={current}
                  onPick={pick}
                />
              )}
            </g>
          </svg>
          {!layout && (
            <div className="absolute inset-0 flex items-center justify-center text-sm text-slate-600" data-testid="graph-status">
              {lay.error ? `The graph could not be laid out: ${lay.error}` : `Laying out ${(end - start).toLocaleString("en")} nodes…`}
            </div>
          )}
          <div className="absolute top-2 right-2 flex flex-col gap-1" role="group" aria-label="Zoom">
            <button type="button" className={btn} onClick={() => zoom(1.25)} aria-label="Zoom in" title="Zoom in (+)">
              +
            </button>
            <button type="button" className={btn} onClick={() => zoom(0.8)} aria-label="Zoom out" title="Zoom out (−)">
              −
            </button>
            <button
              type="button"
              className={`${btn} text-xs`}
              onClick={fitAll}
              aria-label="Fit the whole graph"
              title="Fit the whole graph (0)"
            >
              Fit
            </button>
            <button
              type="button"
              className={`${btn} text-xs`}
              onClick={fitWidth}
              aria-label="Fit the width"
              title="Fit the width, from the top"
            >
              ↔
            </button>
          </div>
          <div
            className="pointer-events-none absolute bottom-2 left-2 rounded bg-white/80 px-1.5 py-0.5 text-[11px] text-slate-500 tabular-nums"
            data-testid="graph-zoom"
          >
            {Math.round(view.k * 100)}%
          </div>
        </div>
        {sel && selected !== null && (
          <div className="absolute inset-y-0 right-0 z-10 w-full max-w-[340px] border-l border-slate-200 shadow-lg md:static md:w-[340px] md:shrink-0 md:shadow-none">
            <GraphPanel
              node={sel}
              index={selected}
              timeUs={times && sel.kind === "op" ? times[selected]! : null}
              totalUs={total}
              platform={times ? platform : null}
              producerOf={(t) => producers.get(t)}
              consumersOf={(t) => consumers.get(t) ?? []}
              nodeLabel={nodeLabel}
              onSelect={select}
              onClose={() => setSelected(null)}
            />
          </div>
        )}
      </div>

      <div
        className="flex flex-wrap items-center gap-x-3 gap-y-1.5 text-xs text-slate-600"
        data-testid="graph-legend"
        data-mode={mode === "time" && times ? "time" : "op"}
      >
        {mode === "time" && times ? (
          <>
            <span className="font-medium text-slate-700">Share of measured kernel time on {platform}</span>
            <span className="text-slate-500">(total {fmtUs(total)})</span>
            {SHARE_BUCKETS.map((b) => (
              <Swatch key={b.label} fill={b.fill} stroke={b.stroke} label={b.label} />
            ))}
            <Swatch fill={NO_TIME.fill} stroke={NO_TIME.stroke} label={NO_TIME.label} />
          </>
        ) : (
          <>
            <span className="font-medium text-slate-700">Op type</span>
            {opCounts.map(([k, n]) => (
              <Swatch key={k} fill={categoryStyle(k).fill} stroke={categoryStyle(k).stroke} label={`${categoryStyle(k).label} (${n})`} />
            ))}
            {!platforms.length && <span className="text-slate-500">· no per-operator profile stored yet, so no time colouring</span>}
          </>
        )}
      </div>

      {slowest.length > 0 && (
        <Table
          data-testid="slowest-ops"
          density="tight"
          size="xs"
          headClassName="text-slate-500"
          caption={<>Slowest operators on {platform} (click to show in the graph)</>}
          captionClassName="mb-1 text-left text-sm font-medium text-slate-700"
          rows={slowest}
          rowKey={({ i }) => i}
          rowProps={({ i }) => ({ className: "cursor-pointer hover:bg-indigo-50", onClick: () => select(i) })}
          columns={[
            { header: "Operator", cell: ({ i }) => graph.nodes[i]!.op },
            {
              header: "Node",
              className: "max-w-[20rem] truncate font-mono",
              title: ({ i }) => graph.nodes[i]!.name,
              cell: ({ i }) => graph.nodes[i]!.name,
            },
            { header: "Time", align: "right", className: "tabular-nums", cell: ({ t }) => fmtUs(t) },
            { header: "Share", align: "right", className: "tabular-nums", cell: ({ t }) => `${((t / total) * 100).toFixed(1)}%` },
          ]}
        />
      )}
    </div>
  );
}

function Swatch({ fill, stroke, label }: { fill: string; stroke: string; label: string }) {
  return (
    <span className="inline-flex items-center gap-1">
      <span className="inline-block h-3 w-4 rounded-sm" style={{ background: fill, border: `1px solid ${stroke}` }} aria-hidden />
      {label}
    </span>
  );
}
