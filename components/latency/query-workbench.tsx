"use client";
/**
 * The query page's client side: drop (or pick) an ONNX file → upload with progress (XMLHttpRequest, the
 * server strips weights) → choose platforms and batch → POST /api/v1/query → per platform the stored
 * latency, or the job's live progress (SWR polling /api/v1/jobs/{id} until it ends). A model with symbolic
 * input sizes gets the preview's shape form: the size given re-runs the analysis in the browser and the
 * structure stripped at it is uploaded (with `inputs`), so the model is stored and measured at that size.
 */
import { useState, type ReactNode } from "react";
import useSWR from "swr";
import type { QueryItem, QueryResponse, UploadResponse } from "@/lib/api/schemas/models";
import type { JobView } from "@/lib/api/schemas/jobs";
import { api, ApiError } from "@/components/api-client";
import { Alert, Button, Card } from "@/components/ui";
import { Table } from "@/components/ui/table";
import { CopyButton } from "@/components/portal/copy-button";
import { GradeBadge, qualityFigures } from "@/components/portal/quality";
import { PreviewPanel, type MeasuredLookup } from "@/components/preview/preview-panel";
import { measuredOf } from "@/components/preview/lookup";
import { QuotaPreview } from "@/components/portal/quota-preview";
import { usePreview } from "@/components/preview/use-preview";
import { OnnxDropZone } from "@/components/preview/drop-zone";
import type { PredictorInfo } from "@/lib/services/portal-predictor";
import type { InputShapes } from "@/components/preview/protocol";
import { formatInputShapes } from "@/lib/api/schemas/input-shapes";
import { ENDED, POLLING, StateBadge, fetcher, fmtBytes, fmtCount, fmtMs } from "./format";

export interface PlatformChoice {
  slug: string;
  name: string;
  devicesOnline: number;
}

interface Props {
  platforms: PlatformChoice[];
  teams: { id: number; name: string }[];
  signedIn: boolean;
  /** the trained predictor the in-browser preview loads (null until one exists) */
  predictor?: PredictorInfo | null;
  /** a model already in the database, chosen by the address (/query?model=<id>): queried without an upload */
  model?: { id: number; name: string; hash: string; batch: number } | null;
}

/** POST /api/v1/models with upload progress (fetch cannot report it). */
function uploadModel(file: Blob, params: Record<string, string>, onProgress: (f: number) => void): Promise<UploadResponse> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/models?${new URLSearchParams(params)}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let data: { error?: { code: string; message: string } } | null = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as UploadResponse);
      reject(new ApiError(xhr.status, data?.error?.code ?? "HTTP", data?.error?.message ?? `Upload failed (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new ApiError(0, "UNREACHABLE", "The upload failed: the server could not be reached"));
    xhr.send(file);
  });
}

export function QueryWorkbench({ platforms, teams, signedIn, predictor = null, model: chosen = null }: Props) {
  const preview = usePreview(predictor);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [uploaded, setUploaded] = useState<UploadResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [teamId, setTeamId] = useState<number | null>(teams[0]?.id ?? null);
  const [selected, setSelected] = useState<string[]>([]);
  const [batch, setBatch] = useState("");
  const [querying, setQuerying] = useState(false);
  const [answer, setAnswer] = useState<QueryResponse | null>(null);
  const [lookup, setLookup] = useState<MeasuredLookup>({ state: "idle" });

  async function start(f: File) {
    setFile(f);
    setUploaded(null);
    setAnswer(null);
    setError(null);
    setLookup({ state: "idle" });
    // parsed, stripped and predicted in a Web Worker first: only the structure-only bytes are uploaded
    const local = await preview.run(f);
    if (local) await send(f, local.structure);
  }

  /** The same file at explicit input shapes: re-analysed in the browser, then its structure at that size uploaded. */
  async function reshapeTo(inputs: InputShapes) {
    if (!file) return;
    setUploaded(null);
    setAnswer(null);
    setError(null);
    setLookup({ state: "idle" });
    const local = await preview.reshape(inputs);
    if (local) await send(file, local.structure, inputs);
  }

  async function send(f: File, structure: Uint8Array, inputs?: InputShapes) {
    setProgress(0);
    try {
      const params: Record<string, string> = { name: f.name.replace(/\.onnx$/i, "") };
      if (teamId) params.teamId = String(teamId);
      if (inputs) params.inputs = formatInputShapes(inputs);
      const up = await uploadModel(new Blob([structure as BlobPart]), params, setProgress);
      setUploaded(up);
      // every platform in the preview: measured where the database knows the model, predicted otherwise
      if (up.model) {
        setLookup({ state: "looking" });
        measuredOf(up.model.id, up.model.batch).then(
          (measured) => setLookup({ state: "done", modelId: up.model!.id, measured }),
          (e: Error) => setLookup({ state: "error", message: e.message }),
        );
      } else setLookup({ state: "done", modelId: null, measured: {} });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  async function query() {
    const model = uploaded ? uploaded.model : chosen;
    if (!model && !uploaded?.analysis) return;
    setQuerying(true);
    setError(null);
    try {
      const body = {
        ...(model ? { modelId: model.id } : { hash: uploaded!.analysis.hash }),
        platforms: selected,
        ...(batch ? { batch: Number(batch) } : {}),
        ...(teamId ? { teamId } : {}),
      };
      setAnswer(await api<QueryResponse>("/api/v1/query", { method: "POST", body }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setQuerying(false);
    }
  }

  const a = uploaded?.analysis;
  const target = uploaded ? uploaded.model : chosen;
  return (
    <div className="space-y-6">
      {error && <Alert>{error}</Alert>}
      <Card
        title="1. Model"
        description="An ONNX file, read in your browser: the weights are stripped there and only the structure is uploaded — trained weights stay on your machine."
      >
        <OnnxDropZone id="model-file" testId="dropzone" inputLabel="ONNX model file" onFile={(f) => void start(f)} className="py-10">
          <span className="font-medium text-slate-800">Drop an .onnx file here</span>
          <span className="mt-1 text-slate-500">or click to choose one</span>
        </OnnxDropZone>
        {chosen && !uploaded && (
          <p className="mt-3 text-sm text-slate-700" data-testid="chosen-model">
            Chosen:{" "}
            <a href={`/models/${chosen.id}`} className="font-medium text-indigo-700 hover:underline" title={chosen.name}>
              {chosen.name}
            </a>{" "}
            <span className="font-mono text-xs text-slate-500" title={chosen.hash}>
              {chosen.hash.slice(0, 12)}…
            </span>{" "}
            — already in the database: pick platforms below, or drop a file to query another model.
          </p>
        )}
        {teams.length > 1 && (
          <div className="mt-3 text-sm">
            <label htmlFor="team" className="mr-2 text-slate-700">
              Team (owns the upload, pays for measurements)
            </label>
            <select
              id="team"
              value={teamId ?? ""}
              onChange={(e) => setTeamId(Number(e.target.value))}
              className="rounded-md px-2 py-1 ring-1 ring-slate-300"
            >
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <PreviewPanel
          state={preview.state}
          compact
          lookup={lookup.state === "idle" ? undefined : lookup}
          platforms={platforms.map((p) => p.slug)}
          platformNames={Object.fromEntries(platforms.map((p) => [p.slug, p.name]))}
          onReshape={(inputs) => void reshapeTo(inputs)}
        />
        {progress !== null && file && (
          <div className="mt-4" data-testid="upload-progress">
            <div className="mb-1 flex justify-between text-xs text-slate-600">
              <span>Uploading the structure of {file.name}</span>
              <span>
                {Math.round(progress * 100)}% of {fmtBytes(preview.state.structureBytes ?? file.size)}
              </span>
            </div>
            <div
              className="h-2 overflow-hidden rounded bg-slate-200"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(progress * 100)}
            >
              <div className="h-full bg-indigo-600 transition-all" style={{ width: `${Math.round(progress * 100)}%` }} />
            </div>
          </div>
        )}
        {a && (
          <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4" data-testid="model-summary">
            <Stat label="Model" value={uploaded!.model?.name ?? file?.name ?? "—"} />
            <Stat label="Family" value={`${a.family.name} (${Math.round(a.family.confidence * 100)}%)`} />
            <Stat label="FLOPs" value={fmtCount(a.flops)} />
            <Stat label="Parameters" value={fmtCount(a.params)} />
            <Stat label="Nodes" value={String(a.nodeCount)} />
            <Stat
              label="Input"
              value={Object.entries(a.inputs)
                .map(([k, v]) => `${k} ${v.join("×")}`)
                .join(", ")}
            />
            <Stat
              label="Uploaded"
              value={`${fmtBytes(uploaded!.receivedBytes)}${uploaded!.stripped ? ` → ${fmtBytes(uploaded!.structureBytes)} stripped` : ""}`}
            />
            <Stat label="Structure hash" value={a.hash.slice(0, 16) + "…"} full={a.hash} />
          </dl>
        )}
        {uploaded && !uploaded.stored && (
          <p className="mt-3 text-sm text-slate-600">
            {signedIn
              ? "Join or create a team to store models and request measurements."
              : "Sign in to store the model and request measurements."}{" "}
            Stored public results can still be looked up below.
          </p>
        )}
      </Card>

      <Card
        title="2. Platforms"
        description="Stored results answer at once; anything not yet measured is queued for a device of that platform."
      >
        <fieldset>
          <legend className="sr-only">Platforms</legend>
          <div className="grid gap-2 sm:grid-cols-2">
            {platforms.map((p) => (
              <label key={p.slug} className="flex items-start gap-2 rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-200 hover:bg-slate-50">
                <input
                  type="checkbox"
                  className="mt-0.5"
                  aria-label={p.slug}
                  checked={selected.includes(p.slug)}
                  onChange={(e) => setSelected((s) => (e.target.checked ? [...s, p.slug] : s.filter((x) => x !== p.slug)))}
                />
                <span>
                  <span className="font-mono text-xs text-slate-900">{p.slug}</span>
                  <span className="block text-xs text-slate-500">
                    {p.name} · {p.devicesOnline} device{p.devicesOnline === 1 ? "" : "s"} online
                  </span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        {target && teamId && (
          <QuotaPreview teamId={teamId} modelId={target.id} platforms={selected} batch={Number(batch) > 0 ? Number(batch) : undefined} />
        )}
        <div className="mt-4 flex flex-wrap items-end gap-4">
          <div>
            <label htmlFor="batch" className="block text-sm font-medium text-slate-700">
              Batch
            </label>
            <input
              id="batch"
              type="number"
              min={1}
              max={1024}
              placeholder={String(a?.batch ?? chosen?.batch ?? 1)}
              value={batch}
              onChange={(e) => setBatch(e.target.value)}
              className="mt-1 w-24 rounded-md px-3 py-1.5 text-sm ring-1 ring-slate-300"
            />
          </div>
          <Button onClick={query} disabled={(!uploaded && !chosen) || selected.length === 0 || querying}>
            {querying ? "Asking…" : "Get latency"}
          </Button>
        </div>
      </Card>

      {answer && (
        <Card
          title="3. Latency"
          description={`${answer.model.name}, batch ${answer.batch}. Milliseconds per inference (median of the timed runs).`}
        >
          <Table
            density="roomy"
            columns={[
              { header: "Platform" },
              { header: "Status" },
              { header: "Median", align: "right" },
              { header: "p90", align: "right" },
              { header: "Timed runs", align: "right", headerTitle: "timed runs inside the newest measurement" },
              { header: "Details" },
            ]}
            body={answer.results.map((r) => (
              <ResultRow key={r.platform} item={r} />
            ))}
          />
        </Card>
      )}
    </div>
  );
}

function Stat({ label, value, full }: { label: string; value: string; full?: string }) {
  // `full`: the whole text behind a shortened value (a hash), in the tooltip and a copy button
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="flex min-w-0 items-center gap-1 font-medium text-slate-900" title={full ?? value}>
        <span className="truncate">{value}</span>
        {full && <CopyButton text={full} tone="light" ariaLabel={`Copy ${label.toLowerCase()}`} />}
      </dd>
    </div>
  );
}

function ResultRow({ item }: { item: QueryItem }) {
  if (item.status === "queued" || item.status === "running") return <JobRow platform={item.platform} jobId={item.jobId} />;
  if (item.status === "measured") {
    const when = new Date(item.provenance.measuredAt).toISOString().slice(0, 16).replace("T", " ");
    return (
      <Row platform={item.platform} status="measured" median={item.result.medianMs} p90={item.result.p90Ms} runs={item.result.runs}>
        stored result · {when} UTC{item.provenance.device ? ` · ${item.provenance.device.hostName}` : ""} ·{" "}
        {item.provenance.measurementCount} measurement
        {item.provenance.measurementCount === 1 ? "" : "s"} stored
        {item.quality && (
          <span className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-500" data-testid="result-quality">
            <GradeBadge grade={item.quality.grade} /> {qualityFigures(item.quality)}
            {item.message && <span className="text-amber-800">· {item.message}</span>}
          </span>
        )}
      </Row>
    );
  }
  const message = item.status === "error" ? `${item.error.code}: ${item.error.message}` : "message" in item ? item.message : "";
  return (
    <Row platform={item.platform} status={item.status}>
      <span className={item.status === "not_measured" ? "text-slate-600" : "text-red-700"}>{message}</span>
    </Row>
  );
}

/** A job's live state until it ends (SWR polling every second while it is queued or running). */
function JobRow({ platform, jobId }: { platform: string; jobId: number }) {
  const { data, error } = useSWR<{ job: JobView }>(`/api/v1/jobs/${jobId}`, fetcher, {
    ...POLLING,
    refreshInterval: (latest) => (latest && ENDED.includes(latest.job.state) ? 0 : 1000),
  });
  const job = data?.job;
  if (!job) {
    return (
      <Row platform={platform} status="queued">
        {error ? <span className="text-red-700">{(error as Error).message}</span> : `job ${jobId}`}
      </Row>
    );
  }
  if (job.state === "done" && job.result) {
    const r = job.result.result;
    return (
      <Row platform={platform} status="measured" median={r.medianMs} p90={r.p90Ms} runs={r.runs} jobId={jobId}>
        measured just now by job {jobId}
        {job.result.provenance.device ? ` on ${job.result.provenance.device.hostName}` : ""}
        {job.result.quality && (
          <span className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-500" data-testid="result-quality">
            <GradeBadge grade={job.result.quality.grade} /> {qualityFigures(job.result.quality)}
          </span>
        )}
      </Row>
    );
  }
  const status = job.state === "failed" && job.error?.code === "UNSUPPORTED_OPERATOR" ? "unsupported" : job.state;
  return (
    <Row platform={platform} status={status} jobId={jobId}>
      {job.state === "queued" && `job ${jobId} · ${job.queuePosition ?? 0} ahead in the queue`}
      {(job.state === "leased" || job.state === "running") && `job ${jobId} · measuring (attempt ${job.attempts} of ${job.maxAttempts})`}
      {job.error && ENDED.includes(job.state) && (
        <span className="text-red-700">
          {job.error.code}: {job.error.message}
        </span>
      )}
    </Row>
  );
}

function Row(p: { platform: string; status: string; median?: number; p90?: number; runs?: number; jobId?: number; children?: ReactNode }) {
  return (
    <tr data-testid={`result-${p.platform}`} data-status={p.status}>
      <td className="py-2 pr-3 font-mono text-xs">{p.platform}</td>
      <td className="py-2 pr-3">
        <StateBadge state={p.status} />
      </td>
      <td className="py-2 pr-3 text-right font-medium tabular-nums" data-testid="median">
        {fmtMs(p.median)}
      </td>
      <td className="py-2 pr-3 text-right tabular-nums">{fmtMs(p.p90)}</td>
      <td className="py-2 pr-3 text-right tabular-nums">{p.runs ?? "—"}</td>
      <td className="py-2 text-xs text-slate-600">{p.children}</td>
    </tr>
  );
}

