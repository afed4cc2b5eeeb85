/**
 * The portal's one table: typed columns (header, cell render, alignment, tooltips) over a list of rows.
 * Server- and client-safe (no hooks). Rows and cells carry the attributes tests and scripts read
 * (data-testid, data-*), so a page keeps its markup contract while the layout lives here.
 */
import type { HTMLAttributes, Key, ReactNode, ThHTMLAttributes } from "react";

const cx = (...c: (string | false | null | undefined)[]) => c.filter(Boolean).join(" ") || undefined;

/** Attributes for a row or cell: the element's own plus data-* (data-testid, data-state, …). */
type DataAttrs = { [k: `data-${string}`]: string | number | boolean | undefined };
export type RowAttrs = HTMLAttributes<HTMLTableRowElement> & DataAttrs;
export type CellAttrs = HTMLAttributes<HTMLTableCellElement> & DataAttrs;

export interface Column<R> {
  /** Header cell content; a column without a header renders an empty <th>. */
  header?: ReactNode;
  /** Cell content for one row (tables whose rows are their own components, see `body`, leave it out). */
  cell?: (row: R, index: number) => ReactNode;
  /** React key of the column (defaults to its position). */
  key?: Key;
  /** Numbers and actions align right (header and cells). */
  align?: "left" | "right";
  /** Extra classes on every body cell, or per row. */
  className?: string | ((row: R, index: number) => string | undefined);
  /** Extra classes on the header cell. */
  headerClassName?: string;
  /** Tooltip on the header (what the column means). */
  headerTitle?: string;
  /** Tooltip on the body cell, e.g. the full text of a truncated name. */
  title?: (row: R) => string | undefined;
  /** Further attributes of the header cell (aria-sort, scope). */
  headerProps?: ThHTMLAttributes<HTMLTableCellElement>;
  /** Further attributes of each body cell (data-testid, …). */
  cellProps?: (row: R, index: number) => CellAttrs;
  /** The cell names its row: rendered as <th scope="row">. */
  rowHeader?: boolean;
}

/**
 * Vertical padding of header and body cells and the gap between columns:
 * roomy (live lists), normal (most tables), snug and compact (panels), tight (small side tables), airy (settings lists),
 * grid (matrices: cells pad themselves).
 */
const DENSITY = {
  roomy: { th: "py-2", td: "py-2", gap: "pr-3" },
  normal: { th: "py-2", td: "py-1.5", gap: "pr-3" },
  snug: { th: "py-1.5", td: "py-1.5", gap: "pr-3" },
  compact: { th: "py-1", td: "py-1", gap: "pr-3" },
  tight: { th: "py-1", td: "py-1", gap: "pr-2" },
  airy: { th: "py-2 font-medium", td: "py-2.5", gap: "" },
  grid: { th: "px-2 py-1", td: "", gap: "" },
} as const;
export type Density = keyof typeof DENSITY;

export interface TableProps<R> {
  /** The rows; or leave them out and pass `body` (rows that are components of their own, with state). */
  rows?: readonly R[];
  body?: ReactNode;
  /** Columns; false/null/undefined entries are skipped (conditional columns). */
  columns: readonly (Column<R> | false | null | undefined)[];
  rowKey?: (row: R, index: number) => Key;
  rowProps?: (row: R, index: number) => RowAttrs;
  density?: Density;
  /** Font size of the table (default text-sm). */
  size?: "sm" | "xs";
  /** Classes of <thead> (default: small upper-case grey). */
  headClassName?: string;
  /** Classes of <tbody> (default: a thin line between rows). */
  bodyClassName?: string;
  /** No header row (key–value lists whose first column names the row). */
  headless?: boolean;
  /** Header cells get scope="col" (for tables whose rows also have row headers). */
  scopeCols?: boolean;
  caption?: ReactNode;
  captionClassName?: string;
  className?: string;
  "aria-label"?: string;
  "data-testid"?: string;
  /** Rows rendered after the data rows (totals, a "more" line). */
  footer?: ReactNode;
}

export function Table<R>({
  rows = [],
  body,
  columns,
  rowKey,
  rowProps,
  density = "normal",
  size = "sm",
  headClassName = "text-xs text-slate-500 uppercase",
  bodyClassName = "divide-y divide-slate-100",
  scopeCols,
  headless,
  caption,
  captionClassName,
  className,
  footer,
  ...attrs
}: TableProps<R>) {
  const cols = columns.filter((c): c is Column<R> => !!c);
  const d = DENSITY[density];
  const last = cols.length - 1;
  const pad = (i: number) => (i === last ? "" : d.gap);
  return (
    <table className={cx(className, "w-full text-left", size === "xs" ? "text-xs" : "text-sm")} {...attrs}>
      {caption !== undefined && <caption className={captionClassName}>{caption}</caption>}
      {!headless && (
        <thead className={headClassName}>
          <tr>
            {cols.map((c, i) => (
              <th
                key={c.key ?? i}
                scope={scopeCols ? "col" : undefined}
                title={c.headerTitle}
                {...c.headerProps}
                className={cx(d.th, pad(i), c.align === "right" && "text-right", c.headerClassName)}
              >
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
      )}
      <tbody className={bodyClassName || undefined}>
        {rows.map((r, ri) => (
          <tr key={rowKey ? rowKey(r, ri) : ri} {...rowProps?.(r, ri)}>
            {cols.map((c, i) => {
              const Cell = c.rowHeader ? "th" : "td";
              const extra = typeof c.className === "function" ? c.className(r, ri) : c.className;
              return (
                <Cell
                  key={c.key ?? i}
                  scope={c.rowHeader ? "row" : undefined}
                  title={c.title?.(r)}
                  {...c.cellProps?.(r, ri)}
                  className={cx(d.td, pad(i), c.align === "right" && "text-right", extra)}
                >
                  {c.cell?.(r, ri)}
                </Cell>
              );
            })}
          </tr>
        ))}
        {body}
        {footer}
      </tbody>
    </table>
  );
}
