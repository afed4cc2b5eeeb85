import Link from "next/link";
import { openApiDocument } from "@/lib/api/openapi";
import { Card, PageHeader } from "@/components/ui";
import { Code, OperationView, type OpenApiOperation } from "@/components/portal/api-docs";

export const metadata = { title: "API — nnlq" };
// the document is generated from the zod schemas at build time: a static page
export const dynamic = "force-static";

const PLATFORM = "x86-epyc-2c/ort-cpu-1.30/fp32/t1";

const CURL = `export NNLQ_URL=http://localhost:3000          # your nnlq server
export NNLQ_API_KEY=nnlq_xxxxxxxx_...           # Team page → API keys

# public results need no key: the fastest ResNets on a platform
curl -sS "$NNLQ_URL/api/v1/browse?platform=${PLATFORM}&family=resnet&limit=5"

# upload a model (weights are stripped; a structure-only file uploads fastest)
curl -sS -X POST "$NNLQ_URL/api/v1/models?name=resnet50" \\
  -H "Authorization: Bearer $NNLQ_API_KEY" \\
  -H "content-type: application/octet-stream" --data-binary @resnet50.onnx

# latency on platforms: the stored result, or a measurement job paid from the team's quota
curl -sS -X POST "$NNLQ_URL/api/v1/query" \\
  -H "Authorization: Bearer $NNLQ_API_KEY" -H "content-type: application/json" \\
  -d '{"modelId": 42, "platforms": ["${PLATFORM}"]}'

# follow a job until it is done
curl -sS "$NNLQ_URL/api/v1/jobs/7" -H "Authorization: Bearer $NNLQ_API_KEY"`;

const TS = `// in a checkout of nnlq (the client is lib/api/client.ts; the CLI \`npx nnlq query\` uses it too)
import { readFile } from "node:fs/promises";
import { stripWeights } from "@/lib/onnx";
import { NnlqClient } from "@/lib/api/client";

const api = new NnlqClient({ baseUrl: process.env.NNLQ_URL, apiKey: process.env.NNLQ_API_KEY });
// strip locally: only the structure leaves your machine
const bytes = stripWeights(new Uint8Array(await readFile("resnet50.onnx")));
const { model } = await api.uploadModel(bytes, { name: "resnet50" });
const r = await api.query({ modelId: model!.id, platforms: ["${PLATFORM}"] });
const pending = r.results.flatMap((x) => (x.status === "queued" || x.status === "running" ? [x.jobId] : []));
const { jobs } = await api.waitForJobs(pending, { onUpdate: (j) => console.log(\`job \${j.id}: \${j.state}\`) });
for (const x of r.results) if (x.status === "measured") console.log(x.platform, x.result.medianMs, "ms");
for (const j of jobs) console.log(j.id, j.state, j.result?.result.medianMs, "ms");`;

const PY = `import os, time, requests

URL = os.environ.get("NNLQ_URL", "http://localhost:3000")
H = {"Authorization": f"Bearer {os.environ['NNLQ_API_KEY']}"}

with open("resnet50.onnx", "rb") as f:
    up = requests.post(f"{URL}/api/v1/models", params={"name": "resnet50"}, data=f,
                       headers={**H, "content-type": "application/octet-stream"})
up.raise_for_status()
model = up.json()["model"]

q = requests.post(f"{URL}/api/v1/query", headers=H,
                  json={"modelId": model["id"], "platforms": ["${PLATFORM}"]})
q.raise_for_status()
for item in q.json()["results"]:
    if item["status"] == "measured":
        print(item["platform"], item["result"]["medianMs"], "ms (from the database)")
    elif item["status"] in ("queued", "running"):
        while True:
            job = requests.get(f"{URL}/api/v1/jobs/{item['jobId']}", headers=H).json()["job"]
            if job["state"] in ("done", "failed", "cancelled"):
                break
            time.sleep(1)
        if job["state"] == "done":
            print(item["platform"], job["result"]["result"]["medianMs"], "ms (just measured)")
        else:
            print(item["platform"], job["state"], job["error"])
    else:
        print(item["platform"], item["status"], item.get("message") or item.get("error"))

# NAS loops: page through everything measured for a family, fastest first
cursor = None
while True:
    page = requests.get(f"{URL}/api/v1/browse", params={"family": "mobilenetv2", "limit": 200,
                        **({"cursor": cursor} if cursor else {})}).json()
    for row in page["items"]:
        print(row["model"]["name"], row["model"]["flops"], row["medianMs"])
    cursor = page["nextCursor"]
    if not cursor:
        break`;

export default function ApiDocsPage() {
  const doc = openApiDocument() as { info: { description: string }; paths: Record<string, Record<string, OpenApiOperation>> };
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const tags = [...new Set(ops.map((o) => o.op.tags[0]!))];
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <PageHeader
        title="API"
        subtitle={
          <>
            REST under <code>/api/v1</code>, JSON in and out, described by{" "}
            <a href="/api/v1/openapi.json" className="text-indigo-700 hover:underline">
              /api/v1/openapi.json
            </a>{" "}
            (OpenAPI 3.1, generated from the same schemas the server validates with).
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[14rem_1fr]">
        <nav aria-label="API sections" className="self-start text-sm lg:sticky lg:top-4">
          <ul className="space-y-1">
            <li>
              <a href="#keys" className="text-slate-700 hover:text-indigo-700">
                Getting an API key
              </a>
            </li>
            <li>
              <a href="#examples" className="text-slate-700 hover:text-indigo-700">
                Examples
              </a>
            </li>
            {tags.map((t) => (
              <li key={t}>
                <a href={`#tag-${t}`} className="text-slate-700 capitalize hover:text-indigo-700">
                  {t}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="min-w-0 space-y-6">
          <section id="keys" className="scroll-mt-20">
            <Card title="Getting an API key">
              <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
                <li>
                  <Link href="/signup" className="text-indigo-700 hover:underline">
                    Create an account
                  </Link>{" "}
                  and{" "}
                  <Link href="/teams" className="text-indigo-700 hover:underline">
                    a team
                  </Link>{" "}
                  (or ask a team admin to add you).
                </li>
                <li>On the team&apos;s page, under “API keys”, create a key. It is shown once: store it as NNLQ_API_KEY.</li>
                <li>
                  Send it as <code className="rounded bg-slate-100 px-1">Authorization: Bearer nnlq_&lt;prefix&gt;_&lt;secret&gt;</code>. A
                  key acts for its team with member rights: it sees the team&apos;s private models and spends the team&apos;s measurement
                  quota (a site admin sets the device-seconds per platform per month).
                </li>
              </ol>
              <p className="mt-3 text-sm text-slate-600">
                Without a key you can read everything public (browse, leaderboards, model pages, jobs by id), rate-limited per IP. Errors
                are always <code className="rounded bg-slate-100 px-1">{`{"error": {"code", "message", "details"}}`}</code> with a 4xx/5xx
                status; the code is stable (e.g. VALIDATION, QUOTA_EXCEEDED, UNSUPPORTED_OPERATOR).
              </p>
            </Card>
          </section>

          <section id="examples" className="scroll-mt-20">
            <Card title="Examples" description="Upload, query, wait for a measurement, and page through results.">
              <div className="space-y-4" data-testid="api-examples">
                <div>
                  <h3 className="mb-1 text-sm font-semibold">curl</h3>
                  <Code lang="curl">{CURL}</Code>
                </div>
                <div>
                  <h3 className="mb-1 text-sm font-semibold">TypeScript (the nnlq client)</h3>
                  <Code lang="TypeScript">{TS}</Code>
                </div>
                <div>
                  <h3 className="mb-1 text-sm font-semibold">Python (requests)</h3>
                  <Code lang="Python">{PY}</Code>
                </div>
                <p className="text-sm text-slate-600">
                  From a shell: <code className="rounded bg-slate-100 px-1">npx nnlq query model.onnx --platform {PLATFORM} --wait</code>{" "}
                  strips the weights locally, uploads, and prints the table (NNLQ_URL, NNLQ_API_KEY).
                </p>
              </div>
            </Card>
          </section>

          {tags.map((t) => (
            <section key={t} id={`tag-${t}`} className="scroll-mt-20 space-y-3" aria-label={`${t} endpoints`}>
              <h2 className="text-lg font-semibold text-slate-900 capitalize">{t}</h2>
              {ops
                .filter((o) => o.op.tags[0] === t)
                .map((o) => (
                  <OperationView key={`${o.method} ${o.path}`} method={o.method} path={o.path} op={o.op} />
                ))}
            </section>
          ))}
        </div>
      </div>
    </main>
  );
}
