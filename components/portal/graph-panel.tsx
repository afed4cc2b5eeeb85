"use client";
/**
 * The side panel of the model graph: the selected node's type, full name, measured kernel time (when a
 * profile exists), MACs / FLOPs / parameters, attributes, and its inputs and outputs with shapes; the
 * node that produces an input or consumes an output is one click away.
 */
import type { FeedNode, FeedTensor } from "@/lib/portal/graph-layout";
import { category, categoryStyle, fmtBig, fmtUs } from "./graph-style";
import { Table } from "@/components/ui/table";

export interface PanelProps {
  node: FeedNode;
  index: number;
  /** µs of this node on the selected platform (-1 unknown), null without a profile */
  timeUs: number | null;
  totalUs: number;
  platform: string | null;
  producerOf: (tensor: string) => number | undefined;
  consumersOf: (tensor: string) => number[];
  nodeLabel: (i: number) => string;
  onSelect: (i: number) => void;
  onClose: () => void;
}

export function GraphPanel({ node, index, timeUs, totalUs, platform, producerOf, consumersOf, nodeLabel, onSelect, onClose }: PanelProps) {
  const cat = categoryStyle(category(node.op, node.kind));
  return (
    <aside
      className="flex h-full w-full flex-col overflow-hidden bg-white text-sm"
      data-testid="graph-panel"
      data-node={index}
      aria-label={`Details of ${node.name || node.op}`}
    >
      <div className="flex items-start gap-2 border-b border-slate-200 px-4 py-3" style={{ borderTop: `3px solid ${cat.stroke}` }}>
        <div className="min-w-0 flex-1">
          <div className="text-xs uppercase tracking-wide text-slate-500">
            {node.kind === "op" ? cat.label : node.kind === "input" ? "Graph input" : "Graph output"}
          </div>
          <div className="text-base font-semibold text-slate-900" data-testid="panel-op">
            {node.op}
            {node.domain && node.domain !== "ai.onnx" ? (
              <span className="ml-1 text-xs font-normal text-slate-500">({node.domain})</span>
            ) : null}
          </div>
          <div className="mt-0.5 font-mono text-xs break-all text-slate-600 select-all" data-testid="panel-name" title={node.name}>
            {node.name || "(unnamed)"}
          </div>
        </div>
        <button
          type="button"
          onClick={onClose}
          className="rounded px-1.5 text-lg leading-none text-slate-500 hover:bg-slate-100 hover:text-slate-800"
          aria-label="Close details"
        >
          ×
        </button>
      </div>
      <div className="flex-1 space-y-4 overflow-y-auto px-4 py-3">
        {node.kind === "op" && (
          <dl className="grid grid-cols-2 gap-x-3 gap-y-2" data-testid="panel-cost">
            {timeUs !== null && (
              <div className="col-span-2 rounded-md bg-orange-50 px-2.5 py-1.5 ring-1 ring-orange-200" data-testid="panel-time">
                <dt className="text-xs text-orange-800">Measured kernel time {platform ? `on ${platform}` : ""}</dt>
                <dd className="font-semibold text-slate-900 tabular-nums">
                  {timeUs >= 0 ? (
                    <>
                      {fmtUs(timeUs)}{" "}
                      <span className="font-normal text-slate-600">
                        · {totalUs > 0 ? ((timeUs / totalUs) * 100).toFixed(2) : "0"}% of the kernel time
                      </span>
                    </>
                  ) : (
                    <span className="font-normal text-slate-600">none recorded (fused into another kernel, or not profiled)</span>
                  )}
                </dd>
              </div>
            )}
            <Fig label="MACs" value={fmtBig(node.macs)} />
            <Fig label="FLOPs" value={fmtBig(node.flops)} />
            <Fig label="Parameters" value={fmtBig(node.params)} />
          </dl>
        )}
        {node.attrs.length > 0 && (
          <section>
            <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Attributes</h4>
            <Table
              data-testid="panel-attrs"
              density="tight"
              size="xs"
              headless
              rows={node.attrs}
              rowKey={([k]) => k}
              rowProps={([k]) => ({ "data-attr": k })}
              columns={[
                { rowHeader: true, className: "w-1/3 text-left align-top font-medium text-slate-700", cell: ([k]) => k },
                { className: "font-mono break-all text-slate-800", cell: ([, v]) => v },
              ]}
            />
          </section>
        )}
        {node.kind === "op" && node.attrs.length === 0 && <p className="text-xs text-slate-500">No attributes.</p>}
        <TensorList
          title="Inputs"
          testId="panel-inputs"
          tensors={node.inputs}
          link={(t) => {
            const p = producerOf(t.name);
            return p === undefined ? [] : [p];
          }}
          nodeLabel={nodeLabel}
          onSelect={onSelect}
          linkWord="from"
        />
        <TensorList
          title="Outputs"
          testId="panel-outputs"
          tensors={node.outputs}
          link={(t) => consumersOf(t.name)}
          nodeLabel={nodeLabel}
          onSelect={onSelect}
          linkWord="to"
        />
      </div>
    </aside>
  );
}

function Fig({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="font-medium text-slate-900 tabular-nums">{value}</dd>
    </div>
  );
}

function TensorList(props: {
  title: string;
  testId: string;
  tensors: FeedTensor[];
  link: (t: FeedTensor) => number[];
  nodeLabel: (i: number) => string;
  onSelect: (i: number) => void;
  linkWord: string;
}) {
  if (!props.tensors.length) return null;
  return (
    <section>
      <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{props.title}</h4>
      <ul className="space-y-1.5 text-xs" data-testid={props.testId}>
        {props.tensors.map((t, k) => {
          const links = props.link(t);
          return (
            <li key={`${t.name}-${k}`} className="rounded-md bg-slate-50 px-2 py-1.5 ring-1 ring-slate-200">
              <div className="flex items-baseline justify-between gap-2">
                <span className="min-w-0 font-mono break-all text-slate-800" title={t.name}>
                  {t.name}
                </span>
                {t.kind !== "activation" && <span className="shrink-0 rounded bg-slate-200 px-1 text-[10px] text-slate-600">{t.kind}</span>}
              </div>
              <div className="mt-0.5 font-mono text-slate-600" data-shape>
                {t.dtype} {t.shape ?? "?"}
              </div>
              {links.length > 0 && (
                <div className="mt-0.5 flex flex-wrap gap-x-2 text-slate-500">
                  {props.linkWord}
                  {links.slice(0, 8).map((i) => (
                    <button
                      key={i}
                      type="button"
                      onClick={() => props.onSelect(i)}
                      className="max-w-full truncate text-indigo-700 hover:underline"
                      title={props.nodeLabel(i)}
                    >
                      {props.nodeLabel(i)}
                    </button>
                  ))}
                  {links.length > 8 && <span>+{links.length - 8} more</span>}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
