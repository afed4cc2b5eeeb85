/**
 * Rendering of the OpenAPI document (lib/api/openapi.ts) for the API page: per operation its auth, the
 * parameters and body fields from the generated JSON Schemas, responses, and a runnable curl example built
 * from the same schemas. Server component (no client JavaScript except the copy buttons).
 */
import type { ReactNode } from "react";
import { Badge } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { CopyButton } from "./copy-button";

type Json = Record<string, unknown>;
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: { name: string; in: "path" | "query"; required: boolean; description?: string; schema: Json }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
}

export function Code({ children, lang }: { children: string; lang: string }) {
  return (
    <div className="relative">
      <div className="absolute top-2 right-2">
        <CopyButton text={children} />
      </div>
      <pre
        className="overflow-x-auto rounded-md bg-slate-900 p-3 pr-20 text-xs leading-relaxed text-slate-100"
        aria-label={`${lang} example`}
      >
        <code>{children}</code>
      </pre>
    </div>
  );
}

function typeOf(s: Json | undefined): string {
  if (!s) return "any";
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(" | ");
  if (s.type === "array") return `${typeOf(s.items as Json)}[]`;
  if (Array.isArray(s.anyOf ?? s.oneOf)) return ((s.anyOf ?? s.oneOf) as Json[]).map(typeOf).join(" | ");
  if (s.format === "binary") return "binary";
  const range = s.minimum !== undefined || s.maximum !== undefined ? ` ${s.minimum ?? "…"}–${s.maximum ?? "…"}` : "";
  return `${String(s.type ?? "object")}${s.type === "integer" || s.type === "number" ? (Number(s.maximum) > 1e15 ? "" : range) : ""}`;
}

/** A plausible value for a schema (for request examples). */
export function exampleOf(s: Json | undefined, name = ""): unknown {
  if (!s) return null;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  const branches = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (Array.isArray(branches) && branches.length) return exampleOf(branches[0], name);
  if (Array.isArray(s.enum)) return (s.enum as unknown[])[0];
  if (/platform/i.test(name) || (typeof s.pattern === "string" && s.pattern.includes("fp32|fp16|int8")))
    return "x86-epyc-2c/ort-cpu-1.30/fp32/t1";
  if (typeof s.pattern === "string" && s.pattern.includes("[0-9a-f]{64}")) return "<structure hash>";
  switch (s.type) {
    case "integer":
    case "number":
      return typeof s.minimum === "number" ? Math.max(1, s.minimum) : 1;
    case "boolean":
      return false;
    case "string":
      return /email/i.test(name) ? "you@example.com" : /name/i.test(name) ? "my-model" : "…";
    case "array":
      return [exampleOf(s.items as Json, name)];
    case "object": {
      const props = (s.properties ?? {}) as Record<string, Json>;
      const req = new Set((s.required as string[]) ?? []);
      return Object.fromEntries(Object.entries(props).filter(([k]) => req.has(k)).map(([k, v]) => [k, exampleOf(v, k)]));
    }
  }
  return null;
}

const AUTH_LABEL: Record<string, string> = {
  apiKey: "API key",
  session: "session",
  workerToken: "worker token",
  deviceToken: "device token",
};

export function authOf(op: OpenApiOperation): { label: string; tone: "emerald" | "indigo" | "amber" | "red" } {
  const schemes = op.security.flatMap((s) => Object.keys(s));
  if (op.security.some((s) => Object.keys(s).length === 0)) return { label: "public", tone: "emerald" };
  if (op.description?.includes("Site administrators")) return { label: "site admin", tone: "red" };
  if (schemes.includes("workerToken") || schemes.includes("deviceToken"))
    return { label: schemes.map((k) => AUTH_LABEL[k]).join(" / "), tone: "amber" };
  return { label: schemes.map((k) => AUTH_LABEL[k] ?? k).join(" or "), tone: "indigo" };
}

/** The curl command for an operation, with placeholders for path parameters and a minimal body. */
export function curlOf(method: string, path: string, op: OpenApiOperation): string {
  const url = path.replace(/\{(\w+)\}/g, (_m, n: string) => (n === "file" ? "42.onnx" : "42"));
  const query = op.parameters
    .filter((p) => p.in === "query" && p.required)
    .map((p) => `${p.name}=${encodeURIComponent(String(exampleOf(p.schema, p.name)))}`);
  const auth = authOf(op);
  const lines = [
    `curl -sS${method === "get" ? "" : ` -X ${method.toUpperCase()}`} "$NNLQ_URL${url}${query.length ? `?${query.join("&")}` : ""}"`,
  ];
  if (auth.label !== "public" && auth.tone === "indigo") lines.push(`  -H "Authorization: Bearer $NNLQ_API_KEY"`);
  if (auth.label.includes("worker token")) lines.push(`  -H "X-Worker-Token: $NNLQ_WORKER_TOKEN"`);
  if (auth.label.includes("device token")) lines.push(`  -H "X-Device-Token: $NNLQ_DEVICE_TOKEN"`);
  const body = op.requestBody?.content;
  if (body?.["application/json"])
    lines.push(`  -H "content-type: application/json"`, `  -d '${JSON.stringify(exampleOf(body["application/json"].schema))}'`);
  else if (body?.["application/octet-stream"]) lines.push(`  -H "content-type: application/octet-stream"`, `  --data-binary @model.onnx`);
  return lines.join(" \\\n");
}

function Fields({ rows }: { rows: { name: string; where?: string; required: boolean; type: string; description?: string }[] }) {
  if (!rows.length) return null;
  return (
    <Table
      density="tight"
      size="xs"
      headClassName="text-slate-500"
      rows={rows}
      rowKey={(r) => `${r.where}-${r.name}`}
      columns={[
        {
          header: "Name",
          className: "align-top font-mono whitespace-nowrap",
          cell: (r) => (
            <>
              {r.name}
              {r.required && (
                <span className="text-red-600" title="required">
                  *
                </span>
              )}
              {r.where && <span className="ml-1 text-slate-400">{r.where}</span>}
            </>
          ),
        },
        { header: "Type", className: "max-w-[16rem] align-top font-mono break-words text-slate-600", cell: (r) => r.type },
        { header: "Description", className: "align-top text-slate-700", cell: (r) => r.description ?? "" },
      ]}
    />
  );
}

export function OperationView({ method, path, op }: { method: string; path: string; op: OpenApiOperation }): ReactNode {
  const auth = authOf(op);
  const bodySchema = op.requestBody?.content["application/json"]?.schema;
  const bodyFields = bodySchema
    ? Object.entries((bodySchema.properties ?? {}) as Record<string, Json>).map(([name, s]) => ({
        name,
        required: ((bodySchema.required as string[]) ?? []).includes(name),
        type: typeOf(s),
        description: s.description as string | undefined,
      }))
    : [];
  return (
    <section
      id={op.operationId}
      className="scroll-mt-20 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      aria-labelledby={`${op.operationId}-h`}
    >
      <h3 id={`${op.operationId}-h`} className="flex flex-wrap items-center gap-2">
        <span
          className={`rounded px-1.5 py-0.5 font-mono text-xs font-bold text-white uppercase ${method === "get" ? "bg-emerald-600" : method === "delete" ? "bg-red-600" : "bg-indigo-600"}`}
        >
          {method}
        </span>
        <code className="text-sm font-semibold break-all">{path}</code>
        <Badge tone={auth.tone}>{auth.label}</Badge>
      </h3>
      <p className="mt-1 text-sm text-slate-700">{op.summary}</p>
      <div className="mt-3 space-y-3">
        <Fields
          rows={[
            ...op.parameters.map((p) => ({
              name: p.name,
              where: p.in,
              required: p.required,
              type: typeOf(p.schema),
              description: p.description ?? (p.schema.description as string | undefined),
            })),
            ...bodyFields.map((f) => ({ ...f, where: "body" })),
          ]}
        />
        {op.requestBody?.content["application/octet-stream"] && (
          <p className="text-xs text-slate-600">Body: the ONNX file (application/octet-stream, or multipart field “file”).</p>
        )}
        <Code lang="curl">{curlOf(method, path, op)}</Code>
        <details className="text-xs">
          <summary className="cursor-pointer text-slate-600">Responses: {Object.keys(op.responses).join(", ")}</summary>
          <ul className="mt-2 space-y-2">
            {Object.entries(op.responses).map(([status, r]) => (
              <li key={status}>
                <span className="font-mono font-semibold">{status}</span> {r.description}
                {r.content?.["application/json"] && (
                  <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 text-[11px] ring-1 ring-slate-200">
                    {JSON.stringify(r.content["application/json"].schema, null, 1)}
                  </pre>
                )}
              </li>
            ))}
          </ul>
        </details>
      </div>
    </section>
  );
}
