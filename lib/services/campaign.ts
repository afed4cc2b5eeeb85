/**
 * Measurement campaigns (issue 6): fill the database with zoo models measured on this host's platforms,
 * through the normal job path — model rows (source 'zoo', public, zoo_spec), jobs enqueued with
 * lib/services/jobs.enqueue (no team, CAMPAIGN.priority so users' requests run first), claimed and
 * completed by an in-process device of this host (registered like any worker, host name
 * `<hostname>/campaign`), measured in a persistent isolated child (lib/measure/pool.ts).
 *
 * Spec choice is deterministic and stratified: per family, 2·P distinct candidates are drawn from the
 * family's sampler (seed CAMPAIGN.seed), sorted by a size proxy (parameters × resolution²), cut into P
 * strata of equal count, one spec drawn per stratum, and the strata visited in bit-reversed order, so every
 * prefix of the plan spreads over the family's whole size range (a campaign cut short is still
 * representative). Families whose sampler has fewer distinct structures (EfficientNet's compound scaling
 * gives ~100 at batch 1) also draw the resolution freely from the shared 96–320 range.
 *
 * Resumable: only work without a latest_measurements row (and not failed for good) is enqueued.
 * Provenance added to each measurement's env.campaign: stage, load average at start/end, busy flag
 * (1-minute load above the core count), re-takes of a noisy measurement (CV above the protocol's limit).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NnlqError, isNnlqError } from "@/lib/errors";
import type { Db } from "@/lib/db/client";
import type { Model, Platform } from "@/lib/db/schema";
import { ensureModelBlob, getModelByHash, insertModel, modelFieldsOf } from "@/lib/db/models";
import { failedKeys, measuredKeys, plannedModelRefs, workKey } from "@/lib/db/campaign";
import { analyze } from "@/lib/onnx";
import { decodeModel, isStructureOnly, stripWeights } from "@/lib/onnx";
import { canonicalJson, generate, paramCount, Rng, sampleSpec, structureKey, validateSpec, ZOO_FAMILIES, type ZooFamily, type ZooSpec } from "@/lib/zoo";
import { deriveSeed } from "@/lib/zoo/rng";
import { SAMPLED_RESOLUTION } from "@/lib/zoo/spec";
import { detectHost, hardwareSlug, type HostInfo } from "@/lib/measure/host";
import { localPlatforms, type PlatformSpec } from "@/lib/measure/platforms";
import type { MeasurementResult } from "@/lib/measure/measure";
import { sharedPool, withDeviceLock } from "@/lib/measure/pool";
import type { MeasureInChildOptions } from "@/lib/measure/runner";
import { hostInfoOf, platformSpecInput } from "@/workers/measure/platforms";
import { failureBody, resultBody } from "@/workers/measure/report";
import type { ClaimedJob } from "@/lib/api/schemas/worker";
import { authenticateDevice, createWorkerToken, registerWorker, type AuthedDevice } from "./devices";
import { claim, complete, enqueue, fail, goOffline, heartbeat, modelBytesForDevice } from "./jobs";
import { QUEUE } from "./queue-config";

export const CAMPAIGN = {
  /** seed of every family's plan (changing it changes which specs a campaign picks) */
  seed: 20261121,
  /** default plan length per family; longer plans are used when --per-family asks for more */
  planSize: 150,
  /** below users' requests (priority 0) */
  priority: -10,
  /** timed-run budget per measurement attempt (ms) */
  budgetMs: 300,
  /** profiled runs for the per-operator profile (lib/measure's minimum is 3) */
  profileRuns: 5,
  /** hard limit per measurement (ms) */
  timeoutMs: 180_000,
  /**
   * extra measurements when a result is still flagged noisy after the protocol's own re-takes (it re-takes
   * an attempt whose CV exceeds 10%, up to 3 attempts, and keeps the calmest). Default 0: on a host that is
   * busy for minutes (other work), an immediate extra measurement rarely settles and doubles the cost;
   * --noisy-retakes N turns it on.
   */
  noisyRetakes: 0,
  /** the host lock is held for this long at a time (several jobs, fewer when another process waits), then released for yieldMs */
  sliceMs: 15_000,
  yieldMs: 250,
} as const;

// ───────────────────────────── plans ─────────────────────────────

/**
 * A permutation of 0..n-1 in van der Corput order (index ⌊vdc(k)·n⌋ for k = 0, 1, 2..., duplicates
 * skipped): every prefix is spread evenly over the range.
 */
export function spreadOrder(n: number): number[] {
  const vdc = (k: number) => {
    let x = 0;
    for (let f = 0.5; k > 0; k >>= 1, f /= 2) if (k & 1) x += f;
    return x;
  };
  const out: number[] = [];
  const seen = new Set<number>();
  for (let k = 0; out.length < n && k < 1 << 24; k++) {
    const i = Math.floor(vdc(k) * n);
    if (!seen.has(i)) {
      seen.add(i);
      out.push(i);
    }
  }
  return out;
}

const planCache = new Map<string, ZooSpec[]>();

/**
 * The first `size` specs of a family's plan (batch 1; see the module comment). Deterministic for
 * (family, size, seed); the plan of the default size is a prefix-stable order for every count ≤ size.
 */
export function familyPlan(family: ZooFamily, size: number = CAMPAIGN.planSize, seed: number = CAMPAIGN.seed): ZooSpec[] {
  const cacheKey = `${family}:${size}:${seed}`;
  const cached = planCache.get(cacheKey);
  if (cached) return cached;
  const rng = new Rng(deriveSeed(seed, family));
  const free = new Rng(deriveSeed(seed, `${family}/resolution`));
  const seen = new Set<string>();
  const candidates: { spec: ZooSpec; proxy: number }[] = [];
  const want = 2 * size;
  for (let tries = 0; candidates.length < want && tries < 60 * want; tries++) {
    // after many duplicates, let the resolution vary freely too (small samplers, e.g. EfficientNet's)
    const freeRes = tries > 8 * want || (tries > 2 * want && candidates.length < tries / 4);
    const overrides = freeRes ? { batch: 1, resolution: free.step(SAMPLED_RESOLUTION.min, SAMPLED_RESOLUTION.max, SAMPLED_RESOLUTION.step) } : { batch: 1 };
    let spec: ZooSpec;
    try {
      spec = sampleSpec(family, rng, overrides);
    } catch {
      continue; // a free resolution the family's rule refuses
    }
    const key = structureKey(spec);
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push({ spec, proxy: paramCount(spec) * spec.resolution ** 2 });
  }
  if (candidates.length < size) {
    throw new NnlqError("VALIDATION", `the ${family} design space gave only ${candidates.length} distinct batch-1 specs; ask for fewer than ${size}`);
  }
  candidates.sort((a, b) => a.proxy - b.proxy || (structureKey(a.spec) < structureKey(b.spec) ? -1 : 1));
  const pick = new Rng(deriveSeed(seed, `${family}/strata`));
  const strata: ZooSpec[] = [];
  for (let s = 0; s < size; s++) {
    const lo = Math.floor((s * candidates.length) / size);
    const hi = Math.floor(((s + 1) * candidates.length) / size);
    strata.push(candidates[pick.int(lo, hi - 1)]!.spec);
  }
  const plan = spreadOrder(size).map((i) => strata[i]!);
  planCache.set(cacheKey, plan);
  return plan;
}

export interface Stage {
  name: string;
  platform: string;
  batch: number;
  perFamily: number;
  families: ZooFamily[];
  /** classic networks from ../shared/onnx/networks instead of zoo specs */
  networks?: boolean;
  /**
   * repeatability: instead of measuring what is missing, re-measure this many randomly chosen items of the
   * stage's plan that have exactly one run (items with two or more runs count towards it)
   */
  repeat?: number;
  /** with repeat: only items whose single run was measured at or after this time */
  repeatSince?: Date;
}

/** The first release's plan, in priority order (issue 6): t1 batch 1, networks, other platforms, batch 8. */
export function releaseStages(platforms: PlatformSpec[] = localPlatforms()): Stage[] {
  const t1 = platforms.find((p) => p.runtime === "ort-cpu" && p.precision === "fp32" && p.threads === 1)!;
  const families = [...ZOO_FAMILIES];
  const stages: Stage[] = [{ name: "t1-b1", platform: t1.slug, batch: 1, perFamily: 150, families }];
  stages.push({ name: "networks-t1", platform: t1.slug, batch: 1, perFamily: 0, families: [], networks: true });
  for (const p of platforms) if (p !== t1) stages.push({ name: `${p.runtime}-${p.precision}-t${p.threads}-b1`, platform: p.slug, batch: 1, perFamily: 100, families });
  stages.push({ name: "t1-b8", platform: t1.slug, batch: 8, perFamily: 19, families });
  return stages;
}

export interface WorkItem {
  stage: string;
  platform: string;
  batch: number;
  family: string;
  /** zoo spec (batch set) — or a corpus file for classic networks */
  spec?: ZooSpec;
  corpusPath?: string;
}

/** Stage items, round-robin over families (every prefix covers all families evenly). */
export function stageItems(stage: Stage, o: { corpusRoot?: string } = {}): WorkItem[] {
  if (stage.networks) {
    return networkFiles(o.corpusRoot).map((corpusPath) => ({ stage: stage.name, platform: stage.platform, batch: stage.batch, family: "other", corpusPath }));
  }
  const size = Math.max(CAMPAIGN.planSize, stage.perFamily);
  const plans = stage.families.map((f) => familyPlan(f, size).slice(0, stage.perFamily));
  const out: WorkItem[] = [];
  for (let i = 0; i < stage.perFamily; i++) {
    for (const [k, plan] of plans.entries()) {
      const spec = plan[i];
      if (spec) out.push({ stage: stage.name, platform: stage.platform, batch: stage.batch, family: stage.families[k]!, spec: stage.batch === 1 ? spec : validateSpec({ ...spec, batch: stage.batch }) });
    }
  }
  return out;
}

// ───────────────────────────── classic networks ─────────────────────────────

/** ../shared/onnx beside the repository (absent in a user's clone). */
export function defaultCorpusRoot(): string {
  return path.resolve(import.meta.dirname, "../../../shared/onnx");
}

/** `networks/<dir>/<file>.onnx` paths of the corpus (sorted), or [] without a corpus. */
export function networkFiles(root = defaultCorpusRoot()): string[] {
  const dir = path.join(root, "networks");
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".onnx")) out.push(path.relative(root, p));
    }
  };
  walk(dir);
  return out.sort();
}

// ───────────────────────────── model rows ─────────────────────────────

export function zooModelName(spec: ZooSpec, hash: string): string {
  return `zoo/${spec.family}/r${spec.resolution}-b${spec.batch}-${hash.slice(0, 10)}`;
}

/** The public model row of a zoo spec (inserted when missing; the spec, not bytes, is stored). */
export async function ensureZooModel(db: Db, spec: ZooSpec): Promise<Model> {
  const summary = analyze(generate(spec));
  const existing = await getModelByHash(db, { hash: summary.hash });
  if (existing) return existing;
  try {
    return await insertModel(db, {
      ...modelFieldsOf(summary),
      family: spec.family, // the spec is the truth (detection may say otherwise for odd members)
      familyConfidence: 1,
      name: zooModelName(spec, summary.hash),
      visibility: "public",
      source: "zoo",
      zooSpec: validateSpec(spec),
      storageKey: "zoo:",
      onnxBytes: null,
    });
  } catch (e) {
    if (isNnlqError(e) && e.code === "CONFLICT") return (await getModelByHash(db, { hash: summary.hash }))!;
    throw e;
  }
}

/**
 * The public model row of a corpus network (structure-only bytes stored, so devices can fetch them; the
 * release keeps its hash, analysis and `corpus:<path>` as provenance, not the bytes).
 */
export async function ensureCorpusModel(db: Db, corpusRoot: string, corpusPath: string): Promise<Model> {
  const raw = new Uint8Array(fs.readFileSync(path.join(corpusRoot, corpusPath)));
  const decoded = decodeModel(raw);
  const structure = isStructureOnly(decoded) ? raw : stripWeights(decoded);
  const summary = analyze(structure);
  const existing = await getModelByHash(db, { hash: summary.hash });
  if (existing) {
    // a row loaded from a data release has no bytes (the release keeps the path, not the file): add them,
    // or the devices measuring it could never fetch it
    await ensureModelBlob(db, { modelId: existing.id, bytes: structure });
    return existing;
  }
  try {
    return await insertModel(db, {
      ...modelFieldsOf(summary),
      name: `corpus/${corpusPath.replace(/^networks\//, "")}`,
      visibility: "public",
      source: "upload",
      storageKey: `corpus:${corpusPath}`,
      bytes: structure,
    });
  } catch (e) {
    if (isNnlqError(e) && e.code === "CONFLICT") return (await getModelByHash(db, { hash: summary.hash }))!;
    throw e;
  }
}

// ───────────────────────────── running ─────────────────────────────

export interface CampaignProgress {
  stage: string;
  done: number;
  failed: number;
  total: number;
  elapsedMs: number;
  /** estimated remaining ms (null until the first job finished) */
  etaMs: number | null;
  last?: string;
}

export interface CampaignOptions {
  stages: Stage[];
  budgetMs?: number;
  /** extra measurements of a result still flagged noisy (default CAMPAIGN.noisyRetakes) */
  noisyRetakes?: number;
  /** stop taking new work after this many minutes */
  untilMinutes?: number;
  corpusRoot?: string;
  host?: HostInfo;
  signal?: AbortSignal;
  log?: (line: string) => void;
  progress?: (p: CampaignProgress) => void;
  /** measurement function (default: the persistent isolated child of lib/measure/pool.ts) */
  measure?: (bytes: Uint8Array, platformSlug: string, o: MeasureInChildOptions) => Promise<MeasurementResult>;
  /**
   * device host name suffix (`<hostname>/<deviceName>`, default "campaign"). Registering a device again
   * gives its held jobs back to the queue, so campaign processes running at the same time need different names.
   */
  deviceName?: string;
  /** device lock name (default: the hardware slug shared with every process measuring on this CPU) */
  lock?: string;
}

export interface CampaignSummary {
  planned: number;
  alreadyMeasured: number;
  skippedFailed: number;
  measured: number;
  failed: number;
  retakes: number;
  busy: number;
  deviceSeconds: number;
  elapsedMs: number;
  stoppedEarly: boolean;
  byStage: Record<string, { planned: number; missing: number; measured: number; failed: number }>;
  /** summed wall time per phase (ms) */
  phases: PhaseTimes;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wall time per campaign phase (ms, summed over jobs): where a job's time goes besides measuring. */
export type PhaseTimes = Record<"enqueue" | "claim" | "fetch" | "measure" | "measureInner" | "complete" | "lockWait", number>;
const newPhases = (): PhaseTimes => ({ enqueue: 0, claim: 0, fetch: 0, measure: 0, measureInner: 0, complete: 0, lockWait: 0 });
async function timed<T>(phases: PhaseTimes, k: keyof PhaseTimes, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    phases[k] += performance.now() - t0;
  }
}

/** 1-minute load average above the logical core count. */
export function loadSnapshot(cores = os.cpus().length) {
  const load1 = os.loadavg()[0] ?? 0;
  return { load1: Number(load1.toFixed(2)), busy: load1 > cores };
}

/** Registers this host's campaign devices (one per platform) through the worker registration path. */
async function campaignDevices(db: Db, host: HostInfo, specs: PlatformSpec[], deviceName: string): Promise<Map<string, AuthedDevice>> {
  const { secret } = await createWorkerToken(db, { name: "measurement campaign", replaceSameName: true });
  const res = await registerWorker(db, secret, {
    hostName: `${host.hostname}/${deviceName}`,
    hostInfo: hostInfoOf(host),
    platforms: specs.map(platformSpecInput),
  });
  const out = new Map<string, AuthedDevice>();
  for (const d of res.devices) out.set(d.platform.slug, await authenticateDevice(db, d.deviceToken));
  return out;
}

/** Runs the stages in order until done, stopped (signal) or out of time. */
export async function runCampaign(db: Db, o: CampaignOptions): Promise<CampaignSummary> {
  const started = Date.now();
  const log = o.log ?? (() => {});
  const host = o.host ?? detectHost();
  const local = localPlatforms(host);
  // inside a slice the campaign holds the host lock itself: measure in the pool without queueing again
  const measure = o.measure ?? ((b: Uint8Array, slug: string, opt: MeasureInChildOptions) => sharedPool().run(b, slug, opt));
  const budgetMs = o.budgetMs ?? CAMPAIGN.budgetMs;
  const corpusRoot = o.corpusRoot ?? defaultCorpusRoot();
  const deadline = o.untilMinutes ? started + o.untilMinutes * 60_000 : Infinity;
  const stopped = () => o.signal?.aborted || Date.now() >= deadline;

  const specs = [...new Set(o.stages.map((s) => s.platform))].map((slug) => {
    const p = local.find((q) => q.slug === slug);
    if (!p) throw new NnlqError("VALIDATION", `platform ${slug} is not served by this host (local: ${local.map((q) => q.slug).join(", ")})`);
    return p;
  });
  const devices = await campaignDevices(db, host, specs, o.deviceName ?? "campaign");
  const platformRow = (slug: string): Platform => devices.get(slug)!.platform;
  const platformIds = [...devices.values()].map((d) => d.platform.id);

  // what is missing, stage by stage (a model is analysed once per spec: cache hash by spec key)
  const measured = await measuredKeys(db, { platformIds });
  const failedForGood = await failedKeys(db, { platformIds });
  // plan items → structure hashes of models already in the database (by canonical spec or corpus path)
  const hashOf = new Map<string, string>();
  for (const r of await plannedModelRefs(db)) {
    if (r.zooSpec) hashOf.set(canonicalJson(r.zooSpec), r.hash);
    if (r.storageKey?.startsWith("corpus:")) hashOf.set(r.storageKey, r.hash);
  }
  const itemHash = (it: WorkItem): string | undefined => hashOf.get(it.spec ? canonicalJson(it.spec) : `corpus:${it.corpusPath}`);

  const summary: CampaignSummary = {
    planned: 0, alreadyMeasured: 0, skippedFailed: 0, measured: 0, failed: 0, retakes: 0, busy: 0, deviceSeconds: 0,
    elapsedMs: 0, stoppedEarly: false, byStage: {}, phases: newPhases(),
  };
  const plan: { stage: Stage; items: WorkItem[] }[] = [];
  for (const stage of o.stages) {
    const items = stageItems(stage, { corpusRoot });
    const pid = platformRow(stage.platform).id;
    const missing: WorkItem[] = [];
    if (stage.repeat) {
      const once: WorkItem[] = [];
      let twice = 0;
      for (const it of items) {
        const h = itemHash(it);
        const m = h ? measured.get(workKey(h, pid, it.batch)) : undefined;
        if (!m || (stage.repeatSince && m.at < stage.repeatSince)) continue;
        if (m.n >= 2) twice++;
        else once.push(it);
      }
      const rng = new Rng(deriveSeed(CAMPAIGN.seed, `repeat/${stage.platform}/${stage.batch}`));
      for (let i = once.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [once[i], once[j]] = [once[j]!, once[i]!];
      }
      missing.push(...once.slice(0, Math.max(0, stage.repeat - twice)));
      summary.alreadyMeasured += twice;
    } else {
      for (const it of items) {
        const h = itemHash(it);
        const k = h ? workKey(h, pid, it.batch) : "";
        if (h && measured.has(k)) summary.alreadyMeasured++;
        else if (h && failedForGood.has(k)) summary.skippedFailed++;
        else missing.push(it);
      }
    }
    summary.planned += items.length;
    summary.byStage[stage.name] = { planned: items.length, missing: missing.length, measured: 0, failed: 0 };
    plan.push({ stage, items: missing });
    log(`stage ${stage.name} on ${stage.platform} batch ${stage.batch}: ${items.length} planned, ${missing.length} missing`);
  }
  const total = plan.reduce((a, s) => a + s.items.length, 0);
  let finished = 0;
  const measuringSince = Date.now();
  const phases = newPhases();

  for (const { stage, items } of plan) {
    const device = devices.get(stage.platform)!;
    const perStage = summary.byStage[stage.name]!;
    let next = 0;
    const enqueueAhead = async (n: number) => {
      for (; next < items.length && n > 0; next++, n--) {
        const it = items[next]!;
        try {
          const model = it.spec ? await ensureZooModel(db, it.spec) : await ensureCorpusModel(db, corpusRoot, it.corpusPath!);
          await enqueue(db, { model, platform: device.platform, batch: it.batch, teamId: null, priority: CAMPAIGN.priority });
        } catch (e) {
          if (!isNnlqError(e)) throw e;
          finished++;
          summary.failed++;
          perStage.failed++;
          log(`skip ${it.corpusPath ?? it.family}: ${e.code}: ${e.message.split("\n")[0]}`);
        }
      }
    };
    // the host's measurement lock is held for a slice of several jobs (DB work included), then released
    // briefly so other processes measuring on this CPU (a worker, a bench) get their turn
    let drained = false;
    while (!stopped() && !drained) {
      const waitFrom = performance.now();
      await withDeviceLock(o.lock ?? hardwareSlug(host), async (lock) => {
        phases.lockWait += performance.now() - waitFrom;
        const sliceEnd = Date.now() + CAMPAIGN.sliceMs;
        // the slice ends early when another process (a worker's job) waits for the host
        while (!stopped() && Date.now() < sliceEnd && !lock.othersWaiting()) {
          await timed(phases, "enqueue", () => enqueueAhead(next === 0 ? 2 : 1));
          const job = await timed(phases, "claim", () => claim(db, device, { waitSeconds: 0 }));
          if (!job) {
            if (next >= items.length) drained = true; // jobs other workers hold finish there
            if (drained) return;
            continue;
          }
          const outcome = await runOne(db, device, job, { measure, budgetMs, noisyRetakes: o.noisyRetakes ?? CAMPAIGN.noisyRetakes, host, stage: stage.name, signal: o.signal, phases });
          if (!outcome.ok && outcome.message === "stopped") return;
          finished++;
          if (outcome.ok) {
            summary.measured++;
            perStage.measured++;
            summary.retakes += outcome.retakes;
            if (outcome.busy) summary.busy++;
            summary.deviceSeconds += outcome.deviceSeconds;
          } else {
            summary.failed++;
            perStage.failed++;
            log(`job ${job.id} (model ${job.model.id}, ${stage.platform}, batch ${job.batch}) failed: ${outcome.message}`);
          }
          const elapsedMs = Date.now() - started;
          if (finished % 100 === 0) log(`after ${finished} jobs, ms per job: ${Object.entries(phases).map(([k, v]) => `${k} ${(v / finished).toFixed(0)}`).join(", ")}; wall ${((Date.now() - measuringSince) / finished).toFixed(0)}`);
          o.progress?.({
            stage: stage.name,
            done: finished,
            failed: summary.failed,
            total,
            elapsedMs,
            etaMs: finished ? ((Date.now() - measuringSince) / finished) * Math.max(0, total - finished) : null,
            last: outcome.ok ? `${outcome.medianMs.toFixed(2)} ms` : outcome.message.slice(0, 60),
          });
        }
      });
      await sleep(CAMPAIGN.yieldMs);
    }
    if (stopped()) break;
  }
  // jobs still held (a stop mid-measurement) go back to the queue without using an attempt
  for (const d of devices.values()) await goOffline(db, d).catch(() => {});
  summary.stoppedEarly = stopped() && finished < total;
  summary.elapsedMs = Date.now() - started;
  summary.phases = phases;
  return summary;
}

type Outcome =
  | { ok: true; medianMs: number; retakes: number; busy: boolean; deviceSeconds: number }
  | { ok: false; message: string };

/** Measure one claimed job (heartbeats meanwhile), re-take a noisy result, then complete or fail it. */
async function runOne(
  db: Db,
  device: AuthedDevice,
  job: ClaimedJob,
  o: { measure: NonNullable<CampaignOptions["measure"]>; budgetMs: number; noisyRetakes: number; host: HostInfo; stage: string; signal?: AbortSignal; phases: PhaseTimes },
): Promise<Outcome> {
  const abort = new AbortController();
  const onStop = () => abort.abort();
  o.signal?.addEventListener("abort", onStop, { once: true });
  const hb = setInterval(() => {
    heartbeat(db, device, job.id)
      .then((r) => r.cancel && abort.abort())
      .catch(() => {});
  }, Math.max(1000, QUEUE.heartbeatSeconds * 1000));
  const started = Date.now();
  try {
    const bytes = await timed(o.phases, "fetch", () => modelBytesForDevice(db, device, job.model.id));
    const before = loadSnapshot(o.host.cores);
    let best: MeasurementResult | null = null;
    let retakes = 0;
    let spent = 0;
    try {
      for (let i = 0; i <= o.noisyRetakes; i++) {
        const r = await timed(o.phases, "measure", () => o.measure(bytes, device.platform.slug, {
          batch: job.batch,
          timeBudgetMs: o.budgetMs,
          timeoutMs: CAMPAIGN.timeoutMs,
          profileRuns: CAMPAIGN.profileRuns,
          host: o.host,
          signal: abort.signal,
        }));
        o.phases.measureInner += r.durationMs;
        spent += r.durationMs / 1000;
        if (!best || r.stats.cv < best.stats.cv) best = r;
        if (!r.noisy) break;
        if (i < o.noisyRetakes) {
          retakes++;
          await sleep(200);
        }
      }
    } catch (e) {
      if (abort.signal.aborted) return { ok: false, message: "stopped" };
      const f = failureBody(e, device.platform, (Date.now() - started) / 1000);
      await fail(db, device, job.id, f).catch(() => {});
      return { ok: false, message: `${f.code}: ${f.message.split("\n")[0]}` };
    }
    const after = loadSnapshot(o.host.cores);
    const body = resultBody(best!);
    const busy = before.busy || after.busy;
    body.env = {
      ...body.env,
      campaign: { stage: o.stage, loadStart: before.load1, loadEnd: after.load1, cores: o.host.cores, busy, noisyRetakes: retakes, budgetMs: o.budgetMs, profileRuns: CAMPAIGN.profileRuns, nice: sharedPool().lastNice },
    };
    body.deviceSeconds = Number(spent.toFixed(3));
    await timed(o.phases, "complete", () => complete(db, device, job.id, body));
    return { ok: true, medianMs: best!.stats.median, retakes, busy, deviceSeconds: spent };
  } catch (e) {
    if (abort.signal.aborted) return { ok: false, message: "stopped" };
    // the model could not be fetched (or the result not stored): end the job for good, or the next claim
    // would hand the same held job back and the campaign would spin on it
    const f = failureBody(e, device.platform, (Date.now() - started) / 1000);
    await fail(db, device, job.id, { ...f, retry: false }).catch(() => {});
    return { ok: false, message: `${f.code}: ${f.message.split("\n")[0]}` };
  } finally {
    clearInterval(hb);
    o.signal?.removeEventListener("abort", onStop);
  }
}
