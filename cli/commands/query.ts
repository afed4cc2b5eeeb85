/**
 * `nnlq query`: how fast does this model run on these platforms?
 *
 *   nnlq query model.onnx --platform <slug> [--platform <slug>...|--platform all] [--batch N]
 *              [--input name=1x3x640x640]... [--wait] [--timeout S] [--team ID] [--public] [--name NAME]
 *              [--remeasure] [--json]
 *
 * Strips the weights locally (only the structure is uploaded), uploads, queries, and with --wait follows
 * the measurement jobs until they end, then prints the table. `--input` gives a symbolic input its size: the
 * model is stripped at that shape (here and on the server), so it is stored, hashed and measured at it;
 * without it symbolic dims are defaulted and the analysis' warnings (printed) say which. Server: NNLQ_URL (default
 * http://localhost:3000); NNLQ_API_KEY (a team key) to upload and request measurements — without it
 * only existing public results are read.
 * Exit codes: 0 ok, 1 --wait timed out, 2 usage (a malformed --input too), 3 bad input (a shape that does
 * not fit the model) / refused by the server (4xx), 4 server unreachable or failing.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { optionalIntArg, parseCommandLine, UsageError } from "@/lib/args";
import { NnlqError } from "@/lib/errors";
import { NnlqClient } from "@/lib/api/client";
import type { QueryItem } from "@/lib/api/schemas/models";
import type { JobView } from "@/lib/api/schemas/jobs";
import type { MeasurementQualityView } from "@/lib/api/schemas/common";
import { analyzeUploadAt } from "@/lib/compute/analyze-upload";
import { fmtShape, inputShapesOf, parseInputShape } from "@/lib/api/schemas/input-shapes";
import { bytes as fmtBytes, clientEnv, gflops, ms, qualityLine, table } from "../format";

export const summary = "upload a model (weights stripped locally) and get its latency per platform; --wait follows the jobs";

export const usage = `usage: nnlq query <model.onnx> --platform <slug> [--platform <slug>...|--platform all] [--batch N]
                  [--input name=1x3x640x640]... [--wait] [--timeout S] [--team ID] [--public] [--name NAME]
                  [--remeasure] [--json]
  --input name=DxDx…  the size of an input with symbolic dims (repeat per input); the model is stored and
                      measured at that shape
environment: NNLQ_URL (default http://localhost:3000), NNLQ_API_KEY (team key; needed to measure)`;

type Row = {
  platform: string;
  status: string;
  result?: { medianMs: number; p90Ms: number; minMs: number; runs: number } | null;
  /** the measurement's quality: grade (clean / estimated / contended / legacy), clean runs / runs, CI, wall/CPU, interference */
  quality?: MeasurementQualityView | null;
  where?: string | null;
  note?: string | null;
};

function fromItem(r: QueryItem): Row {
  switch (r.status) {
    case "measured":
      return {
        platform: r.platform,
        status: "measured",
        result: r.result,
        quality: r.quality,
        where: `${r.provenance.device?.hostName ?? "?"} @ ${r.provenance.measuredAt.slice(0, 16).replace("T", " ")}`,
        note: r.message ?? null,
      };
    case "queued":
    case "running":
      return {
        platform: r.platform,
        status: r.status,
        note: `job ${r.jobId}${r.queuePosition !== null ? `, ${r.queuePosition} ahead` : ""}${r.devicesOnline ? "" : ", no device online"}`,
      };
    case "unsupported":
    case "not_measured":
      return { platform: r.platform, status: r.status.replace("_", " "), note: r.message };
    case "error":
      return { platform: r.platform, status: "error", note: `${r.error.code}: ${r.error.message}` };
  }
}

function fromJob(platform: string, j: JobView): Row {
  if (j.state === "done" && j.result) {
    const p = j.result.provenance;
    return {
      platform,
      status: "measured",
      result: j.result.result,
      quality: j.result.quality ?? null,
      where: `${p.device?.hostName ?? "?"} @ ${p.measuredAt.slice(0, 16).replace("T", " ")}`,
    };
  }
  if (j.state === "failed" && j.error?.code === "UNSUPPORTED_OPERATOR") return { platform, status: "unsupported", note: j.error.message };
  return { platform, status: j.state, note: j.error ? `job ${j.id}: ${j.error.code}: ${j.error.message}` : `job ${j.id}` };
}

export async function run(argv: string[]): Promise<number> {
  let opts;
  try {
    const { values, positionals } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        platform: { type: "string", short: "p", multiple: true },
        batch: { type: "string", short: "b" },
        input: { type: "string", short: "i", multiple: true },
        wait: { type: "boolean", short: "w" },
        timeout: { type: "string" },
        team: { type: "string" },
        public: { type: "boolean" },
        name: { type: "string" },
        remeasure: { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    if (positionals.length !== 1) throw new UsageError("give exactly one model file");
    if (!values.platform?.length) throw new UsageError("give at least one --platform (or --platform all; `nnlq platforms` lists them)");
    opts = {
      file: positionals[0]!,
      platforms: values.platform,
      batch: optionalIntArg("batch", values.batch, 1, 1024),
      inputs: values.input?.length ? inputShapesOf(values.input.map(parseInputShape)) : undefined,
      timeoutS: optionalIntArg("timeout", values.timeout, 1, 86400) ?? 1800,
      team: optionalIntArg("team", values.team, 1, 2 ** 31 - 1),
      wait: !!values.wait,
      visibility: values.public ? ("public" as const) : undefined,
      name: values.name,
      remeasure: !!values.remeasure,
      json: !!values.json,
    };
  } catch (e) {
    console.error(`nnlq query: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  const log = (line: string) => (opts.json ? undefined : console.error(line));

  let raw: Uint8Array;
  try {
    raw = new Uint8Array(readFileSync(opts.file));
  } catch (e) {
    throw new NnlqError("BAD_REQUEST", `cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // analysed here as the server will (a malformed or unanalysable model, or a shape that does not fit it,
  // fails before anything is sent); with --input the structure is stripped at those shapes
  const { stripped, structure } = analyzeUploadAt(raw, { batch: opts.batch, inputs: opts.inputs });
  if (stripped) log(`stripped weights locally: ${fmtBytes(raw.byteLength)} → ${fmtBytes(structure.byteLength)} uploaded`);

  const api = new NnlqClient(clientEnv());
  let platforms = opts.platforms;
  if (platforms.includes("all")) platforms = (await api.platforms()).filter((p) => p.active).map((p) => p.slug);

  const up = await api.uploadModel(structure, {
    name: opts.name ?? path.basename(opts.file).replace(/\.onnx$/i, ""),
    visibility: opts.visibility,
    teamId: opts.team,
    batch: opts.batch,
    inputs: opts.inputs,
  });
  if (!up.model) {
    throw new NnlqError(
      "NOT_FOUND",
      `this structure (${up.analysis.hash.slice(0, 12)}…) has no public results; set NNLQ_API_KEY to a team key to upload it and request measurements`,
    );
  }
  log(
    `model #${up.model.id} ${up.model.name}: ${up.model.family}, ${gflops(up.model.flops)}, hash ${up.model.hash.slice(0, 12)}… (${up.created ? "new" : "already known"})`,
  );
  log(`inputs: ${Object.entries(up.analysis.inputs).map(([k, v]) => `${k} ${fmtShape(v)}`).join(", ")}`);
  const warnings = up.analysis.warnings ?? [];
  for (const w of warnings) log(`warning: ${w}`);

  const q = await api.query({ modelId: up.model.id, platforms, batch: opts.batch, teamId: opts.team, remeasure: opts.remeasure });
  let rows = q.results.map(fromItem);
  let timedOut = false;
  const pending = q.results.flatMap((r) =>
    r.status === "queued" || r.status === "running" ? [{ platform: r.platform, jobId: r.jobId }] : [],
  );
  if (opts.wait && pending.length) {
    const byJob = new Map(pending.map((p) => [p.jobId, p.platform]));
    log(`waiting for ${pending.length} job(s) (timeout ${opts.timeoutS} s)...`);
    const waited = await api.waitForJobs([...byJob.keys()], {
      timeoutMs: opts.timeoutS * 1000,
      onUpdate: (j) =>
        log(
          `  ${new Date().toISOString().slice(11, 19)} job ${j.id} ${j.platform}: ` +
            `${j.state}${j.state === "queued" && j.queuePosition !== null ? ` (${j.queuePosition} ahead)` : ""}${j.attempts > 1 ? ` attempt ${j.attempts}` : ""}`,
        ),
    });
    timedOut = waited.timedOut;
    const done = new Map(waited.jobs.map((j) => [j.id, j]));
    rows = q.results.map((r) => (r.status === "queued" || r.status === "running" ? fromJob(r.platform, done.get(r.jobId)!) : fromItem(r)));
  }

  if (opts.json) {
    console.log(JSON.stringify({ model: up.model, inputs: up.analysis.inputs, warnings, batch: q.batch, results: rows }, null, 2));
  } else {
    console.log(`${up.model.name} (batch ${q.batch})`);
    console.log(
      table(
        ["platform", "status", "grade", "median ms", "p90 ms", "min ms", "runs", "quality", "measured on", "note"],
        rows.map((r) => [
          r.platform,
          r.status,
          r.quality?.grade,
          ms(r.result?.medianMs),
          ms(r.result?.p90Ms),
          ms(r.result?.minMs),
          r.result?.runs,
          r.quality ? qualityLine(r.quality) : null,
          r.where,
          r.note,
        ]),
      ),
    );
  }
  if (timedOut) {
    console.error(`nnlq query: gave up waiting after ${opts.timeoutS} s; the jobs keep running (nnlq jobs)`);
    return 1;
  }
  return 0;
}
