/** Platform × family matrix: result counts and median latencies; each cell links to the browse page filtered to it. */
import Link from "next/link";
import type { MatrixResponse } from "@/lib/api/schemas/portal";
import { fmtMs } from "@/components/latency/format";
import { Table } from "@/components/ui/table";

/** Cell tint on a log scale of the median latency (fast = light, slow = saturated). */
function tint(ms: number, lo: number, hi: number): string {
  const t = hi > lo ? (Math.log(ms) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : 0;
  return `hsl(${230 - 200 * t} 80% ${95 - 22 * t}%)`;
}

export function MatrixTable({ data, browseHref }: { data: MatrixResponse; browseHref: (platform: string, family: string) => string }) {
  if (!data.cells.length) {
    return <p className="text-sm text-slate-500">No measurements at batch {data.batch} yet.</p>;
  }
  const cell = new Map(data.cells.map((c) => [`${c.platform}|${c.family}`, c]));
  const meds = data.cells.map((c) => c.medianMs).filter((x) => x > 0);
  const lo = Math.min(...meds);
  const hi = Math.max(...meds);
  return (
    <div className="overflow-x-auto">
      <Table
        className="border-separate border-spacing-0.5"
        data-testid="family-matrix"
        density="grid"
        scopeCols
        headClassName=""
        bodyClassName=""
        caption={<>Models measured per platform and architecture family at batch {data.batch}, with median latency</>}
        captionClassName="sr-only"
        rows={data.families}
        rowKey={(f) => f.name}
        columns={[
          {
            header: "Family",
            headerClassName: "text-left text-xs font-medium text-slate-500",
            rowHeader: true,
            className: "px-2 py-1 text-left font-medium whitespace-nowrap text-slate-800",
            cell: (f) => f.label,
          },
          ...data.platforms.map((p) => ({
            key: p.slug,
            header: p.slug,
            headerTitle: p.name,
            headerClassName: "text-left align-bottom font-mono text-[11px] font-medium text-slate-600",
            className: "rounded p-0",
            cellProps: (f: (typeof data.families)[number]) => {
              const c = cell.get(`${p.slug}|${f.name}`);
              return { style: c ? { background: tint(c.medianMs, lo, hi) } : undefined };
            },
            cell: (f: (typeof data.families)[number]) => {
              const c = cell.get(`${p.slug}|${f.name}`);
              return c ? (
                <Link
                  href={browseHref(p.slug, f.name)}
                  className="block px-2 py-1 hover:ring-2 hover:ring-indigo-400 focus-visible:ring-2 focus-visible:ring-indigo-600 focus-visible:outline-none"
                  data-testid={`matrix-${p.slug}-${f.name}`}
                  aria-label={`${f.label} on ${p.slug}: ${c.count} models, median ${fmtMs(c.medianMs)} ms`}
                >
                  <span className="font-semibold tabular-nums">{c.count}</span>
                  <span className="ml-1 text-xs text-slate-700 tabular-nums">{fmtMs(c.medianMs)} ms</span>
                </Link>
              ) : (
                <span className="block px-2 py-1 text-slate-300">—</span>
              );
            },
          })),
        ]}
      />
    </div>
  );
}
