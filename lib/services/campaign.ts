/**
 * Measurement campaigns, the planning half: which models a campaign measures on which of this host's
 * platforms (stages, per-family plans, classic networks), what of that is still missing, and the model rows
 * and jobs that put it in the queue — model rows (source 'zoo', public, zoo_spec), jobs enqueued with
 * lib/services/jobs.enqueue (no team, CAMPAIGN.priority so users' requests run first). Running them is the
 * device side's: workers/campaign.ts drives the one worker loop (workers/measure/loop.ts) through the
 * in-process transport, measuring in a persistent isolated child (lib/measure/pool.ts).
 *
 * Spec choice is deterministic and stratified: per family, 2·P distinct candidates are drawn from the
 * family's sampler (seed CAMPAIGN.seed), sorted by a size proxy (parameters × resolution²), cut into P
 * strata of equal count, one spec drawn per stratum, and the strata visited in bit-reversed order, so every
 * prefix of the plan spreads over the family's whole size range (a campaign cut short is still
 * representative). Families whose sampler has fewer distinct structures (EfficientNet's compound scaling
 * gives ~100 at batch 1) also draw the resolution freely from the shared 96–320 range.
 *
 * Corpus networks (../shared/onnx/networks) are measured at their natural input size and at 2–3 other sizes
 * where the model allows (lib/measure/shape-variants.ts: symbolic dims get documented defaults, fixed-size
 * image models other resolutions). Each size is its own model row (own structure hash), named
 * `corpus/<path>@<size>` with storage key `corpus:<path>#<name=DxD;…>` (the explicit input shapes written
 * into it) and the family of the file's natural size, so an evaluation can group a network's sizes. A size is
 * planned only when shape inference accepts it (checked once per process for sizes not yet in the
 * database); onnxruntime has the last word (a failed measurement is failed for good, as for any model).
 *
 * Resumable: only work without a clean measurement (and not failed for good) is enqueued. A pair whose kept
 * row is protocol v2 but not clean (estimated / contended: no quiet window came) is "to retake": measured
 * again after every stage's missing items. Protocol v1 rows (legacy) are history: their pairs are measured
 * as if missing (a v1 row of another CPU cannot be here anyway: hardware identities are in the slugs).
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
import { analyze, analyzeUpload } from "@/lib/onnx";
import {
  canonicalJson,
  generate,
  paramCount,
  Rng,
  specCost,
  zooVersionOf,
  sampleSpec,
  structureKey,
  validateSpec,
  ZOO_FAMILIES,
  type ZooFamily,
  type ZooSpec,
} from "@/lib/zoo";
import { deriveSeed } from "@/lib/zoo/rng";
import { SAMPLED_RESOLUTION } from "@/lib/zoo/spec";
import type { HostInfo } from "@/lib/measure/host";
import { formatInputShapes, shapeVariants, withInputShapes, type ShapeVariant } from "@/lib/measure/shape-variants";
import { localPlatforms, platformRecord, type PlatformSpec } from "@/lib/measure/platforms";
import { enqueue } from "./jobs";
import { platformForSpec } from "./platforms";

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
  const v1 = zooVersionOf(family) === "1";
  for (let tries = 0; candidates.length < want && tries < 60 * want; tries++) {
    // after many duplicates, let the resolution vary freely too (small samplers, e.g. EfficientNet's)
    const freeRes = tries > 8 * want || (tries > 2 * want && candidates.length < tries / 4);
    const overrides = freeRes
      ? { batch: 1, resolution: free.step(SAMPLED_RESOLUTION.min, SAMPLED_RESOLUTION.max, SAMPLED_RESOLUTION.step) }
      : { batch: 1 };
    let spec: ZooSpec;
    try {
      spec = sampleSpec(family, rng, overrides);
    } catch {
      continue; // a free resolution the family's rule refuses
    }
    const key = structureKey(spec);
    if (seen.has(key)) continue;
    seen.add(key);
    // the strata follow a cost proxy: v1 families keep the one their plans were drawn with (resumable, comparable
    // with the legacy rows); zoo v2 families use their MACs (`resolution` is a sequence length for bert/rnn)
    candidates.push({ spec, proxy: v1 ? paramCount(spec) * spec.resolution ** 2 : specCost(spec).macs });
  }
  if (candidates.length < size) {
    throw new NnlqError(
      "VALIDATION",
      `the ${family} design space gave only ${candidates.length} distinct batch-1 specs; ask for fewer than ${size}`,
    );
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

/** The data release's measurement plan, in priority order: t1 batch 1, networks, other platforms, batch 8. */
export function releaseStages(platforms: PlatformSpec[] = localPlatforms()): Stage[] {
  const t1 = platforms.find((p) => p.runtime === "ort-cpu" && p.precision === "fp32" && p.threads === 1)!;
  const families = [...ZOO_FAMILIES];
  const stages: Stage[] = [{ name: "t1-b1", platform: t1.slug, batch: 1, perFamily: 150, families }];
  stages.push({ name: "networks-t1", platform: t1.slug, batch: 1, perFamily: 0, families: [], networks: true });
  for (const p of platforms)
    if (p !== t1)
      stages.push({ name: `${p.runtime}-${p.precision}-t${p.threads}-b1`, platform: p.slug, batch: 1, perFamily: 100, families });
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
  /** corpus networks: the size measured (lib/measure/shape-variants.ts; no inputs: the file as it is) */
  variant?: ShapeVariant;
}

/**
 * Stage items, round-robin over families (every prefix covers all families evenly); for a networks stage,
 * every corpus network at its natural size first, then their other sizes.
 */
export function stageItems(stage: Stage, o: { corpusRoot?: string } = {}): WorkItem[] {
  if (stage.networks) {
    const root = o.corpusRoot ?? defaultCorpusRoot();
    const perFile = networkFiles(root).map((corpusPath) => ({ corpusPath, variants: networkVariants(root, corpusPath) }));
    const item = (corpusPath: string, variant: ShapeVariant): WorkItem => ({
      stage: stage.name,
      platform: stage.platform,
      batch: stage.batch,
      family: "other",
      corpusPath,
      variant,
    });
    return [
      ...perFile.flatMap(({ corpusPath, variants }) => variants.filter((v) => v.natural).map((v) => item(corpusPath, v))),
      ...perFile.flatMap(({ corpusPath, variants }) => variants.filter((v) => !v.natural).map((v) => item(corpusPath, v))),
    ];
  }
  const size = Math.max(CAMPAIGN.planSize, stage.perFamily);
  const plans = stage.families.map((f) => familyPlan(f, size).slice(0, stage.perFamily));
  const out: WorkItem[] = [];
  for (let i = 0; i < stage.perFamily; i++) {
    for (const [k, plan] of plans.entries()) {
      const spec = plan[i];
      if (spec)
        out.push({
          stage: stage.name,
          platform: stage.platform,
          batch: stage.batch,
          family: stage.families[k]!,
          spec: stage.batch === 1 ? spec : validateSpec({ ...spec, batch: stage.batch }),
        });
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

const AS_IS: ShapeVariant = { label: "", inputs: {}, natural: true };
const variantCache = new Map<string, ShapeVariant[]>();

/** The sizes a corpus network is measured at (the file as it is when it cannot be read). */
export function networkVariants(root: string, corpusPath: string): ShapeVariant[] {
  const file = path.join(root, corpusPath);
  let v = variantCache.get(file);
  if (!v) {
    try {
      v = shapeVariants(new Uint8Array(fs.readFileSync(file)));
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      v = [AS_IS]; // not readable: planned as it is, its failure is recorded like any model's
    }
    variantCache.set(file, v);
  }
  return v;
}

/** `corpus:<path>` for the file as it is, `corpus:<path>#<name=DxD;…>` for a size written into it. */
export function corpusKey(corpusPath: string, variant: ShapeVariant = AS_IS): string {
  const shapes = formatInputShapes(variant.inputs);
  return `corpus:${corpusPath}${shapes ? `#${shapes}` : ""}`;
}

/** `corpus/<dir>/<file>` (as it is) or `corpus/<dir>/<file>@<size>`. */
export function corpusModelName(corpusPath: string, variant: ShapeVariant = AS_IS): string {
  return `corpus/${corpusPath.replace(/^networks\//, "")}${variant.label ? `@${variant.label}` : ""}`;
}

/** The structure-only bytes and analysis of a corpus network at one size (ONNX_SHAPE when it does not fit). */
export function analyzeCorpusVariant(corpusRoot: string, corpusPath: string, variant: ShapeVariant = AS_IS) {
  const raw = new Uint8Array(fs.readFileSync(path.join(corpusRoot, corpusPath)));
  return analyzeUpload(withInputShapes(raw, variant.inputs));
}

/** Per process: whether a corpus size not yet in the database passes shape inference (its hash, or why not). */
const variantCheck = new Map<string, { hash: string } | { error: string }>();

function checkVariant(corpusRoot: string, it: WorkItem): { hash: string } | { error: string } {
  const key = `${corpusRoot}|${corpusKey(it.corpusPath!, it.variant)}`;
  let r = variantCheck.get(key);
  if (!r) {
    try {
      r = { hash: analyzeCorpusVariant(corpusRoot, it.corpusPath!, it.variant).summary.hash };
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      r = { error: `${e.code}: ${e.message.split("\n")[0]}` };
    }
    variantCheck.set(key, r);
  }
  return r;
}

/** The family of a corpus network's natural size (every size of it is stored with this one). */
const familyCache = new Map<string, { name: string; confidence: number }>();
function naturalFamily(corpusRoot: string, corpusPath: string): { name: string; confidence: number } | null {
  const key = path.join(corpusRoot, corpusPath);
  if (!familyCache.has(key)) {
    const natural = networkVariants(corpusRoot, corpusPath).find((v) => v.natural) ?? AS_IS;
    try {
      familyCache.set(key, analyzeCorpusVariant(corpusRoot, corpusPath, natural).summary.family);
    } catch (e) {
      if (!isNnlqError(e)) throw e;
      return null;
    }
  }
  return familyCache.get(key)!;
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
 * The public model row of a corpus network at one size (structure-only bytes stored, so devices can fetch
 * them; the release keeps its hash, analysis and `corpus:<path>[#shapes]` as provenance, not the bytes).
 */
export async function ensureCorpusModel(db: Db, corpusRoot: string, corpusPath: string, variant: ShapeVariant = AS_IS): Promise<Model> {
  const { structure, summary } = analyzeCorpusVariant(corpusRoot, corpusPath, variant);
  const family = variant.inputs && Object.keys(variant.inputs).length ? naturalFamily(corpusRoot, corpusPath) : null;
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
      ...(family ? { family: family.name, familyConfidence: family.confidence } : {}),
      name: corpusModelName(corpusPath, variant),
      visibility: "public",
      source: "upload",
      storageKey: corpusKey(corpusPath, variant),
      bytes: structure,
    });
  } catch (e) {
    if (isNnlqError(e) && e.code === "CONFLICT") return (await getModelByHash(db, { hash: summary.hash }))!;
    throw e;
  }
}

// ───────────────────────────── what a campaign measures ─────────────────────────────

/** 1-minute load average above the logical core count. */
export function loadSnapshot(cores = os.cpus().length) {
  const load1 = os.loadavg()[0] ?? 0;
  return { load1: Number(load1.toFixed(2)), busy: load1 > cores };
}

export interface StageCounts {
  planned: number;
  missing: number;
  /** pairs whose only v2 results are not clean, measured again after the missing items */
  retake: number;
  measured: number;
  failed: number;
  /** corpus sizes left out of the plan: shape inference refused them */
  invalid: number;
}

export interface CampaignPlan {
  /**
   * per stage, in order: its platform row and the items still to measure; then, per stage with any, an
   * entry of the same stage with its items to retake (after every stage's missing items)
   */
  stages: { stage: Stage; platform: Platform; items: WorkItem[] }[];
  planned: number;
  /** pairs with a clean measurement */
  alreadyMeasured: number;
  /** pairs with estimated / contended results only, planned again after the missing work */
  toRetake: number;
  skippedFailed: number;
  /** corpus sizes left out: shape inference refused them */
  skippedInvalid: number;
  byStage: Record<string, StageCounts>;
}

/**
 * What each stage still has to measure (only work without a clean measurement and not failed for good;
 * or, for a repeat stage, which single-run clean items to measure again), and what to retake (kept row
 * estimated / contended) after all of that. The stages' platforms must be local platforms of `host`; their
 * rows are created as a worker's registration would.
 */
export async function planCampaign(
  db: Db,
  o: {
    stages: Stage[];
    host: HostInfo;
    corpusRoot?: string;
    log?: (line: string) => void;
    /** log each corpus network size with its state (the dry run's listing) */
    listNetworks?: boolean;
  },
): Promise<CampaignPlan> {
  const log = o.log ?? (() => {});
  const corpusRoot = o.corpusRoot ?? defaultCorpusRoot();
  const local = localPlatforms(o.host);
  const rows = new Map<string, Platform>();
  for (const slug of new Set(o.stages.map((s) => s.platform))) {
    const p = local.find((q) => q.slug === slug);
    if (!p)
      throw new NnlqError("VALIDATION", `platform ${slug} is not served by this host (local: ${local.map((q) => q.slug).join(", ")})`);
    rows.set(slug, (await platformForSpec(db, platformRecord(p), { allowNew: true })).platform);
  }
  const platformIds = [...rows.values()].map((p) => p.id);

  // what is missing, stage by stage (a model is analysed once per spec: cache hash by spec key)
  const measured = await measuredKeys(db, { platformIds });
  const failedForGood = await failedKeys(db, { platformIds });
  // plan items → structure hashes of models already in the database (by canonical spec or corpus path)
  const hashOf = new Map<string, string>();
  for (const r of await plannedModelRefs(db)) {
    if (r.zooSpec) hashOf.set(canonicalJson(r.zooSpec), r.hash);
    if (r.storageKey?.startsWith("corpus:")) hashOf.set(r.storageKey, r.hash);
  }
  const itemHash = (it: WorkItem): string | undefined =>
    hashOf.get(it.spec ? canonicalJson(it.spec) : corpusKey(it.corpusPath!, it.variant));

  const plan: CampaignPlan = {
    stages: [], planned: 0, alreadyMeasured: 0, toRetake: 0, skippedFailed: 0, skippedInvalid: 0, byStage: {},
  };
  const retakes: CampaignPlan["stages"] = [];
  for (const stage of o.stages) {
    const platform = rows.get(stage.platform)!;
    // corpus sizes not in the database yet are planned only when shape inference accepts them
    const invalid: { it: WorkItem; error: string }[] = [];
    const items = stageItems(stage, { corpusRoot }).filter((it) => {
      if (!it.corpusPath || itemHash(it)) return true;
      const check = checkVariant(corpusRoot, it);
      if ("hash" in check) {
        hashOf.set(corpusKey(it.corpusPath, it.variant), check.hash);
        return true;
      }
      invalid.push({ it, error: check.error });
      return false;
    });
    const state = new Map<WorkItem, string>();
    const pid = platform.id;
    const missing: WorkItem[] = [];
    const retake: WorkItem[] = [];
    if (stage.repeat) {
      const once: WorkItem[] = [];
      let twice = 0;
      for (const it of items) {
        const h = itemHash(it);
        const m = h ? measured.get(workKey(h, pid, it.batch)) : undefined;
        if (!m || m.grade !== "clean" || (stage.repeatSince && m.at < stage.repeatSince)) continue;
        if (m.n >= 2) twice++;
        else once.push(it);
      }
      const rng = new Rng(deriveSeed(CAMPAIGN.seed, `repeat/${stage.platform}/${stage.batch}`));
      for (let i = once.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [once[i], once[j]] = [once[j]!, once[i]!];
      }
      missing.push(...once.slice(0, Math.max(0, stage.repeat - twice)));
      plan.alreadyMeasured += twice;
    } else {
      for (const it of items) {
        const h = itemHash(it);
        const k = h ? workKey(h, pid, it.batch) : "";
        const grade = h ? measured.get(k)?.grade : undefined;
        if (grade === "clean") {
          plan.alreadyMeasured++;
          state.set(it, "measured (clean)");
        } else if (grade === "estimated" || grade === "contended") {
          retake.push(it);
          state.set(it, `to retake (${grade})`);
        } else if (h && failedForGood.has(k)) {
          plan.skippedFailed++;
          state.set(it, "failed for good");
        } else {
          missing.push(it); // nothing measured, or only protocol v1 history (legacy)
          state.set(it, "missing");
        }
      }
    }
    plan.planned += items.length;
    plan.toRetake += retake.length;
    plan.skippedInvalid += invalid.length;
    plan.byStage[stage.name] = {
      planned: items.length, missing: missing.length, retake: retake.length, measured: 0, failed: 0, invalid: invalid.length,
    };
    plan.stages.push({ stage, platform, items: missing });
    if (retake.length) retakes.push({ stage, platform, items: retake });
    const more =
      (retake.length ? `, ${retake.length} to retake (no clean result yet)` : "") +
      (invalid.length ? `, ${invalid.length} corpus sizes left out (shape inference refused them)` : "");
    log(`stage ${stage.name} on ${stage.platform} batch ${stage.batch}: ${items.length} planned, ${missing.length} missing${more}`);
    if (o.listNetworks && stage.networks) {
      const shapes = (it: WorkItem) => formatInputShapes(it.variant?.inputs ?? {}) || "as declared";
      for (const it of items)
        log(`  ${corpusModelName(it.corpusPath!, it.variant)} [${shapes(it)}]${it.variant?.natural ? " natural" : ""}: ${state.get(it) ?? "planned"}`);
      for (const { it, error } of invalid) log(`  ${corpusModelName(it.corpusPath!, it.variant)} [${shapes(it)}]: left out, ${error}`);
    }
  }
  plan.stages.push(...retakes);
  return plan;
}

/**
 * Puts one work item in the queue: its public model row (zoo spec or corpus network, inserted when
 * missing), then a job without a team at CAMPAIGN.priority (users' requests run first).
 */
export async function enqueueWorkItem(db: Db, it: WorkItem, platform: Platform, corpusRoot: string = defaultCorpusRoot()): Promise<void> {
  const model = it.spec ? await ensureZooModel(db, it.spec) : await ensureCorpusModel(db, corpusRoot, it.corpusPath!, it.variant);
  await enqueue(db, { model, platform, batch: it.batch, teamId: null, priority: CAMPAIGN.priority });
}
