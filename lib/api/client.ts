/**
 * Typed client of the nnlq HTTP API (isomorphic: fetch only; used by the CLI, pages, workers, benches).
 * Types come from the same zod schemas the server validates with (lib/api/schemas/*).
 *
 *   const api = new NnlqClient({ baseUrl: "http://localhost:3000", apiKey: process.env.NNLQ_API_KEY });
 *   const { model } = await api.uploadModel(bytes, { name: "resnet18" });
 *   const r = await api.query({ modelId: model!.id, platforms: ["x86-epyc-2c/ort-cpu-1.30/fp32/t1"] });
 *
 * Errors: the server's {error: {code, message, details}} becomes NnlqError(code, message, {...details,
 * status}); a server that cannot be reached is NnlqError("UNREACHABLE").
 *
 * WorkerClient speaks the worker protocol (docs/worker-protocol.md) for a worker written in TypeScript.
 */
import { NnlqError, type ErrorCode, ERROR_CODES } from "@/lib/errors";
import type { MeasurementsQuery, MeasurementsResponse, ModelResponse, QueryBody, QueryResponse, UploadResponse } from "./schemas/models";
import type { MeResponse } from "./schemas/accounts";
import type { JobView, JobsQuery, JobsResponse, DeviceView, PlatformView } from "./schemas/jobs";
import type { PredictResponse } from "./schemas/predict";
import { formatInputShapes, type InputShapes } from "./schemas/input-shapes";
import type {
  ClaimResponse,
  ClaimedJob,
  DeviceHeartbeatResponse,
  FailResponse,
  HeartbeatResponse,
  OfflineResponse,
  ResultResponse,
  RegisterBody,
  RegisterResponse,
  WorkerFailure,
  WorkerResult,
} from "./schemas/worker";


/** base64 in browsers and Node alike */
function base64Of(b: Uint8Array): string {
  if (typeof Buffer !== "undefined") return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}
export const DEFAULT_URL = "http://localhost:3000";

export interface ClientOptions {
  /** server origin, e.g. http://localhost:3000 (default) */
  baseUrl?: string;
  /** team API key nnlq_<prefix>_<secret> */
  apiKey?: string;
  /** extra headers on every request (a worker's token headers, a session cookie...) */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  bytes?: Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** return the raw body bytes instead of JSON */
  binary?: boolean;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA",
  429: "RATE_LIMITED",
};

class HttpBase {
  readonly baseUrl: string;
  protected readonly headers: Record<string, string>;
  private readonly fetchImpl: typeof fetch;

  constructor(o: ClientOptions = {}) {
    this.baseUrl = (o.baseUrl ?? DEFAULT_URL).replace(/\/+$/, "");
    this.headers = { ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}), ...o.headers };
    this.fetchImpl = o.fetch ?? ((...a) => fetch(...a));
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: "application/json", ...this.headers, ...o.headers };
    let body: BodyInit | undefined;
    if (o.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(o.json);
    } else if (o.bytes) {
      headers["content-type"] = "application/octet-stream";
      body = o.bytes as BodyInit;
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body, signal: o.signal });
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new NnlqError(
        "UNREACHABLE",
        `Cannot reach nnlq at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (e as Error).message}). Start it with \`npm run up\` or set NNLQ_URL`,
        {
          url: url.toString(),
        },
      );
    }
    if (res.ok && o.binary) return new Uint8Array(await res.arrayBuffer()) as T;
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON (a proxy or an HTML error page) */
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
      const code = (err?.code && err.code in ERROR_CODES ? err.code : STATUS_CODES[res.status] ?? "INTERNAL") as ErrorCode;
      throw new NnlqError(code, err?.message ?? `${method} ${path} answered HTTP ${res.status}`, { ...err?.details, status: res.status });
    }
    return data as T;
  }
}

export class NnlqClient extends HttpBase {
  me() {
    return this.request<MeResponse>("GET", "/api/v1/me");
  }

  /**
   * Uploads ONNX bytes (structure-only preferred; the server strips weights otherwise). `inputs` gives
   * symbolic dims a size: the server strips with them, so the stored model is the model at that size.
   */
  uploadModel(
    bytes: Uint8Array,
    o: { name?: string; visibility?: "public" | "private"; teamId?: number; batch?: number; inputs?: InputShapes } = {},
  ) {
    const { inputs, ...rest } = o;
    const query = { ...rest, ...(inputs && Object.keys(inputs).length ? { inputs: formatInputShapes(inputs) } : {}) };
    return this.request<UploadResponse>("POST", "/api/v1/models", { bytes, query });
  }

  getModel(modelId: number) {
    return this.request<ModelResponse>("GET", `/api/v1/models/${modelId}`);
  }

  query(body: QueryBody) {
    return this.request<QueryResponse>("POST", "/api/v1/query", { json: body });
  }

  async getJob(jobId: number): Promise<JobView> {
    return (await this.request<{ job: JobView }>("GET", `/api/v1/jobs/${jobId}`)).job;
  }

  listJobs(q: Partial<JobsQuery> = {}) {
    return this.request<JobsResponse>("GET", "/api/v1/jobs", { query: q as RequestOptions["query"] });
  }

  async cancelJob(jobId: number): Promise<JobView> {
    return (await this.request<{ job: JobView }>("POST", `/api/v1/jobs/${jobId}/cancel`)).job;
  }

  async platforms(): Promise<PlatformView[]> {
    return (await this.request<{ platforms: PlatformView[] }>("GET", "/api/v1/platforms")).platforms;
  }

  async devices(platform?: string): Promise<DeviceView[]> {
    return (await this.request<{ devices: DeviceView[] }>("GET", "/api/v1/devices", { query: { platform } })).devices;
  }

  /**
   * Predicted latency for many models at once (NAS loops): zoo specs, ONNX bytes (send structure-only
   * ones: lib/onnx stripWeights) or stored model ids; `inputs` predicts a model with symbolic dims at that
   * size. Per-item errors (a shape that does not fit the model, too) come back in `results[i].error`.
   */
  predict(
    models: ({ spec: Record<string, unknown> } | { onnx: Uint8Array; inputs?: InputShapes } | { modelId: number; inputs?: InputShapes })[],
    o: { platforms?: string[] } = {},
  ) {
    const items = models.map((m) => ("onnx" in m ? { ...m, onnx: base64Of(m.onnx) } : m));
    return this.request<PredictResponse>("POST", "/api/v1/predict", {
      json: { models: items, ...(o.platforms ? { platforms: o.platforms } : {}) },
    });
  }

  measurements(q: MeasurementsQuery) {
    return this.request<MeasurementsResponse>("GET", "/api/v1/measurements", { query: q as RequestOptions["query"] });
  }

  /**
   * Polls jobs until every one has ended (done, failed, cancelled) or `timeoutMs` passes; `onUpdate`
   * sees each job whenever its state or queue position changes. Returns the last view of each job.
   */
  async waitForJobs(
    ids: number[],
    o: { intervalMs?: number; timeoutMs?: number; onUpdate?: (job: JobView) => void; signal?: AbortSignal } = {},
  ): Promise<{ jobs: JobView[]; timedOut: boolean }> {
    const last = new Map<number, JobView>();
    const deadline = Date.now() + (o.timeoutMs ?? Infinity);
    const ended = (j?: JobView) => !!j && ["done", "failed", "cancelled"].includes(j.state);
    for (;;) {
      for (const id of ids) {
        if (ended(last.get(id))) continue;
        const j = await this.getJob(id);
        const prev = last.get(id);
        if (!prev || prev.state !== j.state || prev.queuePosition !== j.queuePosition || prev.attempts !== j.attempts) o.onUpdate?.(j);
        last.set(id, j);
      }
      const jobs = ids.map((id) => last.get(id)!);
      if (jobs.every(ended)) return { jobs, timedOut: false };
      if (Date.now() >= deadline || o.signal?.aborted) return { jobs, timedOut: true };
      await new Promise((r) => setTimeout(r, Math.min(o.intervalMs ?? 1000, Math.max(0, deadline - Date.now()))));
    }
  }
}

/**
 * The worker side of the protocol: register once with the worker token, then one WorkerClient per
 * device (`forDevice`) claims, heartbeats and reports.
 */
export class WorkerClient extends HttpBase {
  register(workerToken: string, body: RegisterBody) {
    return this.request<RegisterResponse>("POST", "/api/v1/worker/register", { json: body, headers: { "x-worker-token": workerToken } });
  }

  forDevice(deviceToken: string): DeviceClient {
    return new DeviceClient({ baseUrl: this.baseUrl, headers: { ...this.headers, "x-device-token": deviceToken } });
  }
}

export class DeviceClient extends HttpBase {
  async claim(waitSeconds = 0, signal?: AbortSignal): Promise<ClaimResponse["job"]> {
    return (await this.request<ClaimResponse>("POST", "/api/v1/worker/claim", { json: { waitSeconds }, signal })).job;
  }

  /** The structure-only ONNX of a claimed job (job.model.url). */
  modelBytes(job: Pick<ClaimedJob, "model">): Promise<Uint8Array> {
    return this.request<Uint8Array>("GET", job.model.url, { binary: true, headers: { accept: "application/octet-stream" } });
  }

  heartbeat(jobId: number, progress?: { phase?: string; message?: string }) {
    return this.request<HeartbeatResponse>("POST", `/api/v1/worker/jobs/${jobId}/heartbeat`, { json: { progress } });
  }

  result(jobId: number, r: WorkerResult) {
    return this.request<ResultResponse>(
      "POST",
      `/api/v1/worker/jobs/${jobId}/result`,
      { json: r },
    );
  }

  fail(jobId: number, f: WorkerFailure) {
    return this.request<FailResponse>(
      "POST",
      `/api/v1/worker/jobs/${jobId}/fail`,
      { json: f },
    );
  }

  idle(status: "online" | "busy" = "online") {
    return this.request<DeviceHeartbeatResponse>("POST", "/api/v1/worker/heartbeat", { json: { status } });
  }

  offline() {
    return this.request<OfflineResponse>("POST", "/api/v1/worker/offline");
  }
}
