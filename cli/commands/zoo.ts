/**
 * `nnlq zoo`: list the zoo's families and design spaces, or sample specs and write ONNX files + specs.jsonl.
 *
 *   nnlq zoo --list [--json]
 *   nnlq zoo --family resnet|all --count 200 --seed 1 --out dir/ [--weights] [--batch N] [--resolution R]
 *   nnlq zoo --spec '{"family":"resnet","depths":[3,4,6,3]}' --out dir/ [--weights]
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { intArg as int, parseCommandLine, UsageError } from "@/lib/args";
import { isNnlqError, NnlqError } from "@/lib/errors";
import {
  FAMILY_DESIGN_SPACES,
  generate,
  isZooFamily,
  sampleSpecs,
  validateSpec,
  ZOO_FAMILIES,
  type SampleOverrides,
  type ZooFamily,
  type ZooSpec,
} from "@/lib/zoo";

export const summary = "list zoo families, or generate ONNX models + specs.jsonl from a family's design space";

const USAGE = `usage:
  nnlq zoo --list [--json]
  nnlq zoo --family <name|all> --count <n> --seed <s> --out <dir> [--weights] [--batch <n>] [--resolution <r>]
  nnlq zoo --spec '<json spec>' --out <dir> [--weights]
families: ${ZOO_FAMILIES.join(", ")}`;

function listSpaces(json: boolean): void {
  if (json) {
    console.log(JSON.stringify(FAMILY_DESIGN_SPACES, null, 2));
    return;
  }
  for (const d of Object.values(FAMILY_DESIGN_SPACES)) {
    console.log(`${d.family} (${d.label}): ${d.summary}`);
    for (const [k, v] of Object.entries(d.hyperparameters)) console.log(`    ${k.padEnd(14)} ${v}`);
    const m = d.resolution.multiple > 1 ? `, multiple of ${d.resolution.multiple}` : "";
    console.log(`    ${"resolution".padEnd(14)} ${d.resolution.sampled} (valid ${d.resolution.min}–${d.resolution.max}${m})`);
    console.log(`    ${"batch".padEnd(14)} ${d.batch.sampled}`);
    console.log(`    ${"example".padEnd(14)} ${JSON.stringify(d.example)}`);
    console.log("");
  }
}

/** A filesystem error on --out as a BAD_REQUEST (exit 3) that names the path and the reason. */
function outError(out: string, e: unknown): NnlqError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === "EEXIST" || code === "ENOTDIR"
      ? "not a directory (or under a file)"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "ENOENT"
          ? "cannot create a directory there"
          : "";
  return new NnlqError("BAD_REQUEST", `cannot write to --out '${out}': ${why ? `${why} (${code})` : (code ?? (e as Error).message)}`);
}

/**
 * mkdir -p without `{ recursive: true }`: Node's recursive mkdir spins forever on Linux under /proc or
 * /sys (procfs answers ENOENT for a child it cannot have, and Node retries after "creating" the parent).
 * Here an ENOENT after the parent exists is final. An existing non-directory throws EEXIST.
 */
function makeDir(dir: string, retry = true): void {
  try {
    mkdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && statSync(dir).isDirectory()) return;
    if (code !== "ENOENT" || !retry || path.dirname(dir) === dir) throw e;
    makeDir(path.dirname(dir));
    makeDir(dir, false);
  }
}

function writeModels(out: string, specs: ZooSpec[], weights: boolean): void {
  try {
    makeDir(path.resolve(out));
  } catch (e) {
    throw outError(out, e);
  }
  const write = (file: string, data: string | Uint8Array) => {
    try {
      writeFileSync(path.join(out, file), data);
    } catch (e) {
      throw outError(out, e);
    }
  };
  const counters = new Map<string, number>();
  const lines: string[] = [];
  let bytes = 0;
  for (const spec of specs) {
    const i = counters.get(spec.family) ?? 0;
    counters.set(spec.family, i + 1);
    const file = `${spec.family}-${String(i).padStart(4, "0")}.onnx`;
    const model = generate(spec, { weights });
    write(file, model);
    bytes += model.length;
    lines.push(JSON.stringify({ file, family: spec.family, spec }));
  }
  write("specs.jsonl", lines.join("\n") + "\n");
  const mb = (bytes / 2 ** 20).toFixed(1);
  console.log(`wrote ${specs.length} ONNX models (${mb} MiB${weights ? ", with weights" : ", structure only"}) and specs.jsonl to ${out}`);
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { values } = parseCommandLine({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        list: { type: "boolean" },
        json: { type: "boolean" },
        family: { type: "string" },
        count: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        weights: { type: "boolean" },
        batch: { type: "string" },
        resolution: { type: "string" },
        spec: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.list) {
      const extra = ["family", "count", "seed", "out", "weights", "batch", "resolution", "spec"].filter((k) => k in values);
      if (extra.length) throw new UsageError(`--list takes no other options than --json (got --${extra.join(", --")})`);
      listSpaces(!!values.json);
      return 0;
    }
    if (values.json) throw new UsageError("--json goes with --list");

    if (values.spec !== undefined) {
      const extra = ["family", "count", "seed", "batch", "resolution"].filter((k) => k in values);
      if (extra.length) throw new UsageError(`--spec carries everything: drop --${extra.join(", --")}`);
      if (!values.out) throw new UsageError("--out <dir> is required");
      let parsed: unknown;
      try {
        parsed = JSON.parse(values.spec);
      } catch {
        throw new UsageError("--spec must be a JSON object");
      }
      writeModels(values.out, [validateSpec(parsed)], !!values.weights);
      return 0;
    }

    if (!values.family) throw new UsageError("--family <name|all> is required (or --list, or --spec)");
    if (values.family !== "all" && !isZooFamily(values.family)) {
      throw new UsageError(`unknown family '${values.family}' (one of: ${ZOO_FAMILIES.join(", ")}, all)`);
    }
    if (!values.out) throw new UsageError("--out <dir> is required");
    const families: ZooFamily[] = values.family === "all" ? [...ZOO_FAMILIES] : [values.family as ZooFamily];
    const count = int("count", values.count, 1, 100_000);
    const seed = int("seed", values.seed, 0, 2 ** 31 - 1, 1);
    const overrides: SampleOverrides = {};
    if (values.batch !== undefined) overrides.batch = int("batch", values.batch, 1, 64);
    if (values.resolution !== undefined) overrides.resolution = int("resolution", values.resolution, 1, 1280);
    for (const family of families) {
      try {
        validateSpec({ ...FAMILY_DESIGN_SPACES[family].example, ...overrides });
      } catch (e) {
        if (isNnlqError(e)) throw new UsageError(`${family}: ${e.message}`);
        throw e;
      }
    }
    const specs = families.flatMap((f) => sampleSpecs(f, count, seed, overrides));
    writeModels(values.out, specs, !!values.weights);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`nnlq zoo: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
