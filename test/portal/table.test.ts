/** The portal's one Table component: headers, alignment, row/cell attributes the e2e tests read, tooltips, conditional columns. */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Table, type TableProps } from "@/components/ui/table";

type Row = { id: number; name: string; ms: number };
const rows: Row[] = [
  { id: 1, name: "resnet-18-with-a-long-name", ms: 12.5 },
  { id: 2, name: "vgg-11", ms: 40 },
];
const html = (props: TableProps<Row>) => renderToStaticMarkup(createElement(Table<Row>, props));

describe("Table", () => {
  it("renders one header cell per column and one row per item, with the cells' content", () => {
    const out = html({
      rows,
      rowKey: (r) => r.id,
      columns: [
        { header: "Model", cell: (r) => r.name },
        { header: "Median", align: "right", cell: (r) => `${r.ms} ms` },
      ],
    });
    expect(out.match(/<th /g)).toHaveLength(2);
    expect(out.match(/<tr/g)).toHaveLength(3);
    expect(out).toContain(">Model</th>");
    expect(out).toContain(">12.5 ms</td>");
    expect(out).toContain(">vgg-11</td>");
  });

  it("aligns right-hand columns in header and body, and leaves the column gap off the last column", () => {
    const out = html({
      rows: rows.slice(0, 1),
      columns: [
        { header: "Model", cell: (r) => r.name },
        { header: "Median", align: "right", className: "tabular-nums", cell: (r) => r.ms },
      ],
    });
    expect(out).toContain('<th class="py-2 pr-3">Model</th>');
    expect(out).toContain('<th class="py-2 text-right">Median</th>');
    expect(out).toContain('<td class="py-1.5 pr-3">resnet-18-with-a-long-name</td>');
    expect(out).toContain('<td class="py-1.5 text-right tabular-nums">12.5</td>');
  });

  it("puts the row and cell attributes (test ids, data-*) and tooltips where the tests and users read them", () => {
    const out = html({
      "data-testid": "models",
      "aria-label": "Models",
      rows,
      rowKey: (r) => r.id,
      rowProps: (r) => ({ "data-testid": `model-${r.id}`, "data-median": r.ms }),
      columns: [
        { header: "Model", headerTitle: "the model's name", title: (r) => r.name, className: "max-w-[8rem] truncate", cell: (r) => r.name },
        { header: "Median", cellProps: () => ({ "data-testid": "median" }), cell: (r) => r.ms },
      ],
    });
    expect(out).toMatch(/<table [^>]*data-testid="models"/);
    expect(out).toMatch(/<table [^>]*aria-label="Models"/);
    expect(out).toContain('<tr data-testid="model-2" data-median="40">');
    expect(out).toContain('title="the model&#x27;s name"');
    expect(out).toContain('title="resnet-18-with-a-long-name"');
    expect(out.match(/data-testid="median"/g)).toHaveLength(2);
  });

  it("skips conditional columns, renders row headers, a caption, and rows that are components of their own", () => {
    const measured = false as boolean;
    const out = html({
      rows,
      caption: "Latency",
      scopeCols: true,
      density: "tight",
      columns: [
        { header: "Model", rowHeader: true, cell: (r) => r.name },
        measured && { header: "Measured", cell: (r) => r.ms },
      ],
    });
    expect(out).not.toContain("Measured");
    expect(out).toContain("<caption>Latency</caption>");
    expect(out).toContain('<th scope="col" class="py-1">Model</th>');
    expect(out).toContain('<th scope="row" class="py-1">vgg-11</th>');

    const custom = renderToStaticMarkup(
      createElement(Table, { columns: [{ header: "Platform" }], body: createElement("tr", { "data-testid": "own-row" }) }),
    );
    expect(custom).toContain('<tbody class="divide-y divide-slate-100"><tr data-testid="own-row"></tr></tbody>');
  });

  it("draws key–value lists without a header row, and matrices whose cells pad themselves", () => {
    const kv = html({ rows, headless: true, columns: [{ rowHeader: true, cell: (r) => r.name }, { cell: (r) => r.ms }] });
    expect(kv).not.toContain("<thead");
    expect(kv).toContain('<th scope="row" class="py-1.5 pr-3">vgg-11</th>');
    const grid = html({
      rows: rows.slice(0, 1),
      density: "grid",
      bodyClassName: "",
      columns: [{ header: "x", cellProps: (r) => ({ style: { background: r.ms > 10 ? "red" : "white" } }), cell: (r) => r.ms }],
    });
    expect(grid).toContain('<th class="px-2 py-1">x</th>');
    expect(grid).toContain('<tbody><tr><td style="background:red">12.5</td></tr></tbody>');
  });
});
