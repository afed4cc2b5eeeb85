/**
 * The evolving latency database (MySQL / MariaDB, drizzle mysql-core).
 *
 * Conventions
 * - Ids are INT AUTO_INCREMENT; times are DATETIME(3) in UTC (the pool sets time_zone '+00:00').
 * - Latencies are milliseconds as DOUBLE (`*_ms`); device time is seconds as DOUBLE.
 * - JSON columns use `jsonb<T>()` below: MariaDB stores JSON as LONGTEXT and returns strings, so the
 *   column parses on read (MySQL's native JSON works too).
 * - Team-owned rows carry `team_id`; every read of them goes through a lib/db function that takes the
 *   team id (see lib/db/*.ts), never through ad-hoc queries in app/.
 *
 * Browse design: `measurements` keeps every run over time (history, repeatability). The browse and
 * leaderboard queries ("platform × family ordered by latency", "fastest per family", matrix counts)
 * read `latest_measurements`, one row per (model, platform, batch) holding the newest run's median plus
 * denormalised model columns (family, flops, params, visibility, owner team, source). Its indexes start
 * with platform_id so a page of "platform P, family F, sorted by median" is an index range scan with
 * no join and no filesort, and keyset pagination on (median_ms, model_id) stays fast at 100k+ rows.
 * lib/db/measurements.ts keeps it in step inside the same transaction as the insert.
 */
import { sql } from "drizzle-orm";
import { GRADES, LABEL_KINDS } from "../quality";
import {
  bigint,
  boolean,
  char,
  customType,
  datetime,
  double,
  index,
  int,
  tinyint,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  text,
  uniqueIndex,
  varchar,
} from "drizzle-orm/mysql-core";

/** JSON column that round-trips on MariaDB (LONGTEXT alias) and MySQL (native JSON). */
export const jsonb = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => "json",
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => (typeof value === "string" ? JSON.parse(value) : (value as T)),
  })(name);

/** Structure-only ONNX bytes. */
const longblob = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "longblob" });

const now = () => sql`CURRENT_TIMESTAMP(3)`;
const createdAt = () => datetime("created_at", { mode: "date", fsp: 3 }).notNull().default(now());
const ts = (name: string) => datetime(name, { mode: "date", fsp: 3 });
/** Integers that may exceed 2^31 (FLOPs, bytes) but stay below 2^53: read as JS numbers. */
const big = (name: string) => bigint(name, { mode: "number", unsigned: true });

export const ROLES = ["member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];
export const VISIBILITIES = ["public", "private"] as const;
export const MODEL_SOURCES = ["upload", "zoo", "api"] as const;
export const PRECISIONS = ["fp32", "fp16", "int8"] as const;
export const DEVICE_STATUSES = ["online", "busy", "offline", "disabled"] as const;
export const JOB_STATES = ["queued", "leased", "running", "done", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];
export const LEDGER_KINDS = ["reserve", "settle", "refund", "adjust"] as const;
export const PREDICTOR_STATUSES = ["training", "evaluated", "promoted", "retired", "failed"] as const;

// ───────────────────────────── accounts ─────────────────────────────

export const users = mysqlTable("users", {
  id: int("id").autoincrement().primaryKey(),
  email: varchar("email", { length: 255 }).notNull().unique("users_email_uq"),
  name: varchar("name", { length: 120 }).notNull(),
  passwordHash: varchar("password_hash", { length: 100 }).notNull(),
  /** Site admins set team quotas and manage devices: the account named by NNLQ_ADMIN_EMAIL, or whoever
   *  opens the one-time setup link (setup_tokens) signed in. Never the demo user, never "the first". */
  isSiteAdmin: boolean("is_site_admin").notNull().default(false),
  createdAt: createdAt(),
});

export const teams = mysqlTable("teams", {
  id: int("id").autoincrement().primaryKey(),
  name: varchar("name", { length: 120 }).notNull(),
  createdBy: int("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
});

export const memberships = mysqlTable(
  "memberships",
  {
    teamId: int("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    role: mysqlEnum("role", ROLES).notNull().default("member"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

/** API keys: `nnlq_<prefix>_<secret>`; only sha256(full key) is stored; the key is shown once. */
export const apiKeys = mysqlTable(
  "api_keys",
  {
    id: int("id").autoincrement().primaryKey(),
    teamId: int("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    createdBy: int("created_by").references(() => users.id, { onDelete: "set null" }),
    name: varchar("name", { length: 100 }).notNull(),
    prefix: varchar("prefix", { length: 16 }).notNull().unique("api_keys_prefix_uq"),
    hash: char("hash", { length: 64 }).notNull().unique("api_keys_hash_uq"),
    createdAt: createdAt(),
    lastUsedAt: ts("last_used_at"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [index("api_keys_team_idx").on(t.teamId)],
);

/**
 * One-time setup links (`/setup?token=…`) printed by the start script while the site has no admin: only
 * sha256(token) is stored; opening the link signed in makes that user site admin and sets used_at.
 */
export const setupTokens = mysqlTable("setup_tokens", {
  id: int("id").autoincrement().primaryKey(),
  hash: char("hash", { length: 64 }).notNull().unique("setup_tokens_hash_uq"),
  expiresAt: datetime("expires_at", { mode: "date", fsp: 3 }).notNull(),
  usedAt: ts("used_at"),
  usedBy: int("used_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
});

// ───────────────────────────── hardware ─────────────────────────────

/** How a worker turns a structure-only model into something it can time on this platform. */
export interface PlatformConfig {
  /** runtime adapter name understood by workers, e.g. "ort-node", "ort-web-wasm" */
  adapter: string;
  /** conversion passes applied in order, e.g. ["materialize-weights", "set-batch", "quantize-int8-qdq"] */
  passes: string[];
  /** adapter options (execution provider, SIMD, graph optimisation level...) */
  options?: Record<string, unknown>;
}

export const platforms = mysqlTable(
  "platforms",
  {
    id: int("id").autoincrement().primaryKey(),
    /** readable unique key: `<hardware>/<runtime>-<version>/<precision>/t<threads>`, e.g. x86-epyc-2c/ort-cpu-1.30/fp32/t1 */
    slug: varchar("slug", { length: 160 }).notNull().unique("platforms_slug_uq"),
    name: varchar("name", { length: 200 }).notNull(),
    hardware: varchar("hardware", { length: 120 }).notNull(),
    runtime: varchar("runtime", { length: 64 }).notNull(),
    runtimeVersion: varchar("runtime_version", { length: 32 }).notNull(),
    precision: mysqlEnum("precision", PRECISIONS).notNull(),
    threads: int("threads").notNull(),
    config: jsonb<PlatformConfig>("config").notNull(),
    description: text("description"),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index("platforms_hardware_idx").on(t.hardware)],
);

/**
 * Worker tokens (`nnlqw_<prefix>_<secret>`, sha256 stored), issued by a site admin to a worker host. A worker
 * presents it once, at registration, to get one device (and device token) per platform it serves; with
 * `allowNewPlatforms` it may also create platform rows from the specs it sends (docs/worker-protocol.md).
 */
export const workerTokens = mysqlTable("worker_tokens", {
  id: int("id").autoincrement().primaryKey(),
  name: varchar("name", { length: 100 }).notNull(),
  prefix: varchar("prefix", { length: 16 }).notNull().unique("worker_tokens_prefix_uq"),
  hash: char("hash", { length: 64 }).notNull().unique("worker_tokens_hash_uq"),
  allowNewPlatforms: boolean("allow_new_platforms").notNull().default(true),
  createdBy: int("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  lastUsedAt: ts("last_used_at"),
  revokedAt: ts("revoked_at"),
});

/**
 * A worker host serving one platform. It authenticates with a device token (`nnlqd_...`, hash stored) that
 * registration with a worker token issues; re-registering rotates it.
 */
export const devices = mysqlTable(
  "devices",
  {
    id: int("id").autoincrement().primaryKey(),
    platformId: int("platform_id").notNull().references(() => platforms.id, { onDelete: "cascade" }),
    hostName: varchar("host_name", { length: 255 }).notNull(),
    tokenHash: char("token_hash", { length: 64 }).notNull().unique("devices_token_uq"),
    /** the worker token that registered this device (revoking it disables the device) */
    workerTokenId: int("worker_token_id").references(() => workerTokens.id, { onDelete: "set null" }),
    status: mysqlEnum("status", DEVICE_STATUSES).notNull().default("offline"),
    /** set when a site admin took this one device out of service (registration keeps it disabled) */
    adminDisabledAt: ts("admin_disabled_at"),
    /** CPU model, cores, memory, OS, runtime build... as reported by the worker */
    hostInfo: jsonb<Record<string, unknown>>("host_info"),
    lastHeartbeatAt: ts("last_heartbeat_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("devices_platform_host_uq").on(t.platformId, t.hostName)],
);

// ───────────────────────────── models ─────────────────────────────

export const architectureFamilies = mysqlTable("architecture_families", {
  name: varchar("name", { length: 32 }).primaryKey(),
  label: varchar("label", { length: 80 }).notNull(),
  description: text("description"),
});

export const models = mysqlTable(
  "models",
  {
    id: int("id").autoincrement().primaryKey(),
    /** lib/onnx structureHash: canonical structure incl. input shapes and batch — the database key */
    hash: char("hash", { length: 64 }).notNull().unique("models_hash_uq"),
    name: varchar("name", { length: 255 }).notNull(),
    family: varchar("family", { length: 32 })
      .notNull()
      .references(() => architectureFamilies.name),
    familyConfidence: double("family_confidence"),
    batch: int("batch").notNull(),
    inputShapes: jsonb<Record<string, number[]>>("input_shapes").notNull(),
    opset: int("opset"),
    flops: big("flops").notNull(),
    macs: big("macs"),
    params: big("params").notNull(),
    memoryAccess: big("memory_access").notNull(),
    activationMemory: big("activation_memory"),
    nodeCount: int("node_count").notNull(),
    opHistogram: jsonb<Record<string, number>>("op_histogram").notNull(),
    /** null for public data (zoo, seed release); set for uploads and API submissions */
    ownerTeamId: int("owner_team_id").references(() => teams.id, { onDelete: "set null" }),
    uploadedBy: int("uploaded_by").references(() => users.id, { onDelete: "set null" }),
    visibility: mysqlEnum("visibility", VISIBILITIES).notNull().default("private"),
    source: mysqlEnum("source", MODEL_SOURCES).notNull(),
    /** lib/zoo spec when generated: the spec regenerates the exact ONNX, so no bytes are needed */
    zooSpec: jsonb<Record<string, unknown>>("zoo_spec"),
    /** where the structure-only ONNX lives when not in model_blobs (e.g. "zoo:" or an object-store key) */
    storageKey: varchar("storage_key", { length: 512 }),
    onnxBytes: int("onnx_bytes"),
    createdAt: createdAt(),
  },
  (t) => [
    index("models_family_idx").on(t.family),
    index("models_owner_idx").on(t.ownerTeamId),
    index("models_visibility_family_idx").on(t.visibility, t.family),
  ],
);

/**
 * Teams that proved possession of a structure another team owns privately (they uploaded the same bytes):
 * the structure hash is unique, so the model row keeps its first owner and the others get access here.
 */
export const modelAccess = mysqlTable(
  "model_access",
  {
    modelId: int("model_id").notNull().references(() => models.id, { onDelete: "cascade" }),
    teamId: int("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.teamId] }), index("model_access_team_idx").on(t.teamId)],
);

/** Structure-only ONNX bytes, kept apart from `models` so model listings never drag blobs along. */
export const modelBlobs = mysqlTable("model_blobs", {
  modelId: int("model_id")
    .primaryKey()
    .references(() => models.id, { onDelete: "cascade" }),
  bytes: longblob("bytes").notNull(),
});

// ───────────────────────────── measurements ─────────────────────────────

/** Per-operator timing from a runtime profile (ORT enableProfiling: kernels after fusion). */
export interface OperatorProfile {
  kernels: { name: string; op: string; ms: number; count?: number; nodes?: string[] }[];
  [k: string]: unknown;
}

export const measurements = mysqlTable(
  "measurements",
  {
    id: int("id").autoincrement().primaryKey(),
    modelId: int("model_id").notNull().references(() => models.id, { onDelete: "cascade" }),
    platformId: int("platform_id").notNull().references(() => platforms.id, { onDelete: "cascade" }),
    batch: int("batch").notNull(),
    deviceId: int("device_id").references(() => devices.id, { onDelete: "set null" }),
    jobId: int("job_id"),
    runtimeVersion: varchar("runtime_version", { length: 32 }).notNull(),
    medianMs: double("median_ms").notNull(),
    meanMs: double("mean_ms").notNull(),
    minMs: double("min_ms").notNull(),
    maxMs: double("max_ms"),
    p90Ms: double("p90_ms").notNull(),
    p99Ms: double("p99_ms").notNull(),
    stdMs: double("std_ms").notNull(),
    cv: double("cv"),
    runs: int("runs").notNull(),
    warmups: int("warmups").notNull(),
    peakMemoryBytes: big("peak_memory_bytes"),
    profile: jsonb<OperatorProfile>("profile"),
    /** provenance: CPU model, cores, OS, whether the device was busy, re-measure count... */
    env: jsonb<Record<string, unknown>>("env"),
    /** device seconds spent (conversion + warm-up + timed runs) — what quotas settle on */
    deviceSeconds: double("device_seconds"),
    // quality (lib/quality.ts; lib/measure/protocol.ts MeasurementQuality): only clean rows are labels
    protocol: tinyint("protocol").notNull().default(1),
    grade: mysqlEnum("grade", GRADES).notNull().default("legacy"),
    labelKind: mysqlEnum("label_kind", LABEL_KINDS).notNull().default("wall-v1"),
    cleanRuns: int("clean_runs"),
    /** timed runs in all, clean or not (`runs` counts the label's samples: the clean runs of a clean row) */
    allRuns: int("all_runs"),
    ciRel: double("ci_rel"),
    wallCpuRatio: double("wall_cpu_ratio"),
    interferenceShare: double("interference_share"),
    runqShare: double("runq_share"),
    waitMs: double("wait_ms"),
    cpuMedianMs: double("cpu_median_ms"),
    measuredAt: ts("measured_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("measurements_pair_idx").on(t.modelId, t.platformId, t.batch, t.measuredAt),
    index("measurements_platform_time_idx").on(t.platformId, t.measuredAt),
    uniqueIndex("measurements_job_uq").on(t.jobId),
  ],
);

/** Newest measurement per (model, platform, batch) with denormalised model columns; see file header. */
export const latestMeasurements = mysqlTable(
  "latest_measurements",
  {
    modelId: int("model_id").notNull().references(() => models.id, { onDelete: "cascade" }),
    platformId: int("platform_id").notNull().references(() => platforms.id, { onDelete: "cascade" }),
    batch: int("batch").notNull(),
    measurementId: int("measurement_id")
      .notNull()
      .references(() => measurements.id, { onDelete: "cascade" }),
    medianMs: double("median_ms").notNull(),
    /** grade of the kept measurement: the newest clean one, else the newest (measurements.ts) */
    grade: mysqlEnum("grade", GRADES).notNull().default("legacy"),
    measurementCount: int("measurement_count").notNull().default(1),
    family: varchar("family", { length: 32 }).notNull(),
    flops: big("flops").notNull(),
    params: big("params").notNull(),
    visibility: mysqlEnum("visibility", VISIBILITIES).notNull(),
    ownerTeamId: int("owner_team_id"),
    source: mysqlEnum("source", MODEL_SOURCES).notNull(),
    measuredAt: ts("measured_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.modelId, t.platformId, t.batch] }),
    index("latest_platform_family_median_idx").on(t.platformId, t.family, t.medianMs, t.modelId),
    index("latest_platform_median_idx").on(t.platformId, t.medianMs, t.modelId),
    index("latest_platform_batch_median_idx").on(t.platformId, t.batch, t.medianMs),
    index("latest_platform_flops_idx").on(t.platformId, t.flops),
    index("latest_owner_idx").on(t.ownerTeamId),
    // public-only reads of the portal (browse counts and filtered pages, matrix medians, Pareto front)
    // answered from the index alone: every browse filter and sort key is a column of it
    // (grade second: the portal reads clean rows by default, and index-only)
    index("latest_public_cells_idx").on(t.visibility, t.grade, t.platformId, t.batch, t.family, t.medianMs, t.flops, t.params, t.source),
    index("latest_platform_grade_idx").on(t.platformId, t.grade, t.batch, t.medianMs),
  ],
);

// ───────────────────────────── predictors ─────────────────────────────

export const predictorVersions = mysqlTable(
  "predictor_versions",
  {
    id: int("id").autoincrement().primaryKey(),
    /** e.g. "gnn-20251121-1" */
    name: varchar("name", { length: 100 }).notNull().unique("predictor_versions_name_uq"),
    /** gnn, flops-linear, flops-mem-linear, roofline, lookup-table, kernel-rf, ... */
    method: varchar("method", { length: 64 }).notNull(),
    /** platform ids the predictor has heads for */
    platformIds: jsonb<number[]>("platform_ids").notNull(),
    featureSetVersion: varchar("feature_set_version", { length: 32 }).notNull(),
    trainingSetSize: int("training_set_size").notNull(),
    /** split → platform → {mape, rmspe, acc5, acc10, kendallTau} */
    metrics: jsonb<Record<string, unknown>>("metrics"),
    /** where the weights live, e.g. "/predictors/gnn-20251121-1/model.json" */
    weightsUri: varchar("weights_uri", { length: 512 }),
    status: mysqlEnum("status", PREDICTOR_STATUSES).notNull().default("training"),
    parentId: int("parent_id"),
    createdAt: createdAt(),
    promotedAt: ts("promoted_at"),
  },
  (t) => [index("predictor_versions_method_status_idx").on(t.method, t.status)],
);

export const predictions = mysqlTable(
  "predictions",
  {
    id: int("id").autoincrement().primaryKey(),
    modelId: int("model_id").notNull().references(() => models.id, { onDelete: "cascade" }),
    platformId: int("platform_id").notNull().references(() => platforms.id, { onDelete: "cascade" }),
    batch: int("batch").notNull(),
    predictorVersionId: int("predictor_version_id")
      .notNull()
      .references(() => predictorVersions.id, { onDelete: "cascade" }),
    valueMs: double("value_ms").notNull(),
    uncertaintyMs: double("uncertainty_ms"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("predictions_uq").on(t.modelId, t.platformId, t.batch, t.predictorVersionId),
    index("predictions_version_platform_idx").on(t.predictorVersionId, t.platformId),
  ],
);

// ───────────────────────────── queue and quotas ─────────────────────────────

export const jobs = mysqlTable(
  "jobs",
  {
    id: int("id").autoincrement().primaryKey(),
    modelId: int("model_id").notNull().references(() => models.id, { onDelete: "cascade" }),
    platformId: int("platform_id").notNull().references(() => platforms.id, { onDelete: "cascade" }),
    batch: int("batch").notNull(),
    teamId: int("team_id").references(() => teams.id, { onDelete: "set null" }),
    userId: int("user_id").references(() => users.id, { onDelete: "set null" }),
    apiKeyId: int("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    state: mysqlEnum("state", JOB_STATES).notNull().default("queued"),
    /** higher runs first */
    priority: int("priority").notNull().default(0),
    leaseOwner: int("lease_owner").references(() => devices.id, { onDelete: "set null" }),
    leaseExpiresAt: ts("lease_expires_at"),
    attempts: int("attempts").notNull().default(0),
    maxAttempts: int("max_attempts").notNull().default(3),
    errorCode: varchar("error_code", { length: 64 }),
    error: text("error"),
    /**
     * Unique while the job is active (e.g. `<hash>:<platformId>:<batch>` or a client-supplied key):
     * a second request for the same work returns this job. Cleared (NULL) when the job ends if the
     * same work may be requested again; NULLs never collide.
     */
    idempotencyKey: varchar("idempotency_key", { length: 191 }).unique("jobs_idempotency_uq"),
    measurementId: int("measurement_id"),
    /** device-seconds reserved from the quota, and actually used */
    reservedSeconds: double("reserved_seconds"),
    usedSeconds: double("used_seconds"),
    createdAt: createdAt(),
    updatedAt: datetime("updated_at", { mode: "date", fsp: 3 })
      .notNull()
      .default(now())
      .$onUpdate(() => new Date()),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    index("jobs_claim_idx").on(t.state, t.platformId, t.priority, t.id),
    index("jobs_lease_idx").on(t.state, t.leaseExpiresAt),
    index("jobs_team_idx").on(t.teamId, t.createdAt),
    index("jobs_model_idx").on(t.modelId, t.platformId, t.batch),
  ],
);

/** Device-seconds budget of a team on a platform for one month ("YYYY-MM"). */
export const quotas = mysqlTable(
  "quotas",
  {
    teamId: int("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    platformId: int("platform_id").notNull().references(() => platforms.id, { onDelete: "cascade" }),
    month: char("month", { length: 7 }).notNull(),
    deviceSeconds: double("device_seconds").notNull(),
    setBy: int("set_by").references(() => users.id, { onDelete: "set null" }),
    updatedAt: datetime("updated_at", { mode: "date", fsp: 3 })
      .notNull()
      .default(now())
      .$onUpdate(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.platformId, t.month] })],
);

/**
 * Usage ledger: every change to a team's spent device-seconds is one row, so the balance is always
 * explainable: used(team, platform, month) = SUM(delta_seconds); remaining = quota − used.
 *   reserve: +estimate when a job is accepted
 *   settle:  actual − estimate when it completes (negative gives back the over-estimate)
 *   refund:  −estimate when it fails or is cancelled
 *   adjust:  manual correction by a site admin (job_id NULL)
 * One row per (job, kind) at most — the unique key makes double charging impossible.
 */
export const usageLedger = mysqlTable(
  "usage_ledger",
  {
    id: int("id").autoincrement().primaryKey(),
    teamId: int("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    platformId: int("platform_id").notNull().references(() => platforms.id, { onDelete: "cascade" }),
    month: char("month", { length: 7 }).notNull(),
    jobId: int("job_id").references(() => jobs.id, { onDelete: "set null" }),
    kind: mysqlEnum("kind", LEDGER_KINDS).notNull(),
    deltaSeconds: double("delta_seconds").notNull(),
    note: varchar("note", { length: 255 }),
    createdBy: int("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("usage_team_platform_month_idx").on(t.teamId, t.platformId, t.month),
    uniqueIndex("usage_job_kind_uq").on(t.jobId, t.kind),
  ],
);

export type User = typeof users.$inferSelect;
export type Team = typeof teams.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type Platform = typeof platforms.$inferSelect;
export type Device = typeof devices.$inferSelect;
export type WorkerToken = typeof workerTokens.$inferSelect;
export type Model = typeof models.$inferSelect;
export type NewModel = typeof models.$inferInsert;
export type Measurement = typeof measurements.$inferSelect;
export type NewMeasurement = typeof measurements.$inferInsert;
export type LatestMeasurement = typeof latestMeasurements.$inferSelect;
export type PredictorVersion = typeof predictorVersions.$inferSelect;
export type Prediction = typeof predictions.$inferSelect;
export type Job = typeof jobs.$inferSelect;
export type Quota = typeof quotas.$inferSelect;
export type LedgerRow = typeof usageLedger.$inferSelect;
