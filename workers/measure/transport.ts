/**
 * How the measurement worker (loop.ts) reaches the job queue: `JobTransport` is everything the loop needs —
 * register its platforms, then per device claim, heartbeat, fetch the model's bytes, deliver a result or a
 * failure, and go offline. Two implementations:
 *
 *   HttpJobTransport     the worker protocol over HTTP (docs/worker-protocol.md), what `npm run worker` uses
 *   InProcessJobTransport (workers/in-process-transport.ts) the same calls straight into lib/services/jobs,
 *                        what a measurement campaign uses on the machine that holds the database
 *
 * The interface lives here, beside the loop that consumes it, and depends only on the protocol's types
 * (lib/api/schemas/worker): workers/measure/ imports neither lib/db nor lib/services, so a worker can run on
 * a device without the server's code. The in-process adapter, which does need the services, lives outside
 * workers/measure/ and implements this interface.
 *
 * Errors are NnlqErrors with the codes the server answers (INVALID_WORKER_TOKEN, DEVICE_DISABLED, NOT_FOUND,
 * LEASE_LOST, CONFLICT, VALIDATION…); the loop retries what `transient()` says may pass.
 */
import type {
  ClaimedJob,
  FailResponse,
  HeartbeatResponse,
  OfflineResponse,
  RegisterBody,
  RegisterResponse,
  WorkerFailure,
  WorkerResult,
} from "@/lib/api/schemas/worker";
import { DeviceClient, WorkerClient } from "@/lib/api/client";

/** One registered device's calls (each carries the device's identity: a token over HTTP). */
export interface DeviceChannel {
  /** the next job of the device's platform (or the one it holds), waiting up to waitSeconds; null when none came */
  claim(waitSeconds: number, signal?: AbortSignal): Promise<ClaimedJob | null>;
  /** the structure-only ONNX of a claimed job's model */
  modelBytes(job: Pick<ClaimedJob, "model">): Promise<Uint8Array>;
  heartbeat(jobId: number): Promise<HeartbeatResponse>;
  result(jobId: number, r: WorkerResult): Promise<unknown>;
  fail(jobId: number, f: WorkerFailure): Promise<Pick<FailResponse, "job">>;
  /** clean shutdown: held jobs go back to the queue without using an attempt */
  offline(): Promise<OfflineResponse>;
}

export interface RegisteredDevice {
  deviceId: number;
  platform: { slug: string };
  /** jobs a previous process of this device held, back in the queue */
  releasedJobs: number[];
  channel: DeviceChannel;
}

export interface JobTransport {
  /** where the jobs come from, for the log ("http://localhost:3000", "the database (in-process)") */
  readonly where: string;
  /** one device per platform; throws INVALID_WORKER_TOKEN for a refused token */
  register(body: RegisterBody): Promise<RegisteredDevice[]>;
}

/** fetch with a time limit per request (claims long-poll ≤ 30 s), so a hung connection is noticed. */
function fetchWithin(ms: number): typeof fetch {
  return (input, init) =>
    fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms) });
}

/** The worker protocol over HTTP: X-Worker-Token to register, each device's X-Device-Token after. */
export class HttpJobTransport implements JobTransport {
  readonly api: WorkerClient;
  private readonly fetch = fetchWithin(90_000);

  constructor(url: string, private readonly workerToken: string) {
    this.api = new WorkerClient({ baseUrl: url, fetch: this.fetch });
  }

  get where(): string {
    return this.api.baseUrl;
  }

  async register(body: RegisterBody): Promise<RegisteredDevice[]> {
    const res: RegisterResponse = await this.api.register(this.workerToken, body);
    return res.devices.map((d) => ({
      deviceId: d.deviceId,
      platform: d.platform,
      releasedJobs: d.releasedJobs,
      channel: new DeviceClient({ baseUrl: this.api.baseUrl, headers: { "x-device-token": d.deviceToken }, fetch: this.fetch }),
    }));
  }
}
