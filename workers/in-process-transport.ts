/**
 * The worker's JobTransport (workers/measure/transport.ts) without HTTP: the same register, claim,
 * heartbeat, model bytes, result, fail and offline calls the /api/v1/worker/* route handlers make, straight
 * into lib/services (devices, jobs) on a database handle. A process that holds the database (a measurement
 * campaign) drives the one Worker loop through it.
 *
 * It lives outside workers/measure/ on purpose: workers/measure/ must not import lib/db or lib/services
 * (a device runs it with no server code), while this adapter is exactly the bridge to those services.
 */
import type { Db } from "@/lib/db/client";
import type { RegisterBody } from "@/lib/api/schemas/worker";
import { authenticateDevice, registerWorker, type AuthedDevice } from "@/lib/services/devices";
import { claim, complete, fail, goOffline, heartbeat, modelBytesForDevice } from "@/lib/services/jobs";
import type { DeviceChannel, JobTransport, RegisteredDevice } from "@/workers/measure/transport";

/** The calls of one registered device, as the route handlers make them for its X-Device-Token. */
export class InProcessDeviceChannel implements DeviceChannel {
  constructor(private readonly db: Db, readonly device: AuthedDevice) {}

  claim(waitSeconds: number, signal?: AbortSignal) {
    return claim(this.db, this.device, { waitSeconds, signal });
  }

  /** GET /api/v1/worker/models/{id}.onnx's lookup: only a model the device holds a job for */
  modelBytes(job: Parameters<DeviceChannel["modelBytes"]>[0]) {
    return modelBytesForDevice(this.db, this.device, job.model.id);
  }

  heartbeat(jobId: number) {
    return heartbeat(this.db, this.device, jobId);
  }

  result(jobId: number, r: Parameters<DeviceChannel["result"]>[1]) {
    return complete(this.db, this.device, jobId, r);
  }

  fail(jobId: number, f: Parameters<DeviceChannel["fail"]>[1]) {
    return fail(this.db, this.device, jobId, f);
  }

  offline() {
    return goOffline(this.db, this.device);
  }
}

export class InProcessJobTransport implements JobTransport {
  readonly where = "the database (in-process)";

  /** `workerToken`: a worker token's secret (lib/services/devices createWorkerToken) */
  constructor(private readonly db: Db, private readonly workerToken: string) {}

  async register(body: RegisterBody): Promise<RegisteredDevice[]> {
    const res = await registerWorker(this.db, this.workerToken, body);
    const out: RegisteredDevice[] = [];
    for (const d of res.devices) {
      const device = await authenticateDevice(this.db, d.deviceToken);
      out.push({
        deviceId: d.deviceId,
        platform: d.platform,
        releasedJobs: d.releasedJobs,
        channel: new InProcessDeviceChannel(this.db, device),
      });
    }
    return out;
  }
}
