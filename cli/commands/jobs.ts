/**
 * `nnlq jobs`: measurement jobs of your team(s) (needs NNLQ_API_KEY).
 *
 *   nnlq jobs [--state queued,running] [--platform <slug>] [--team <id>] [--limit N] [--json]
 *   nnlq jobs show <id> [--json]
 *   nnlq jobs cancel <id>
 */
import { optionalIntArg, parseCommandLine, UsageError } from "@/lib/args";
import { NnlqClient } from "@/lib/api/client";
import type { JobView } from "@/lib/api/schemas/jobs";
import { clientEnv, ms, table } from "../format";

export const summary = "list, show or cancel your team's measurement jobs (NNLQ_URL, NNLQ_API_KEY)";

export const usage = `usage:
  nnlq jobs [--state queued,running] [--platform <slug>] [--team <id>] [--limit N] [--json]
  nnlq jobs show <id> [--json]
  nnlq jobs cancel <id>`;

function jobRow(j: JobView) {
  const status = j.state === "queued" && j.queuePosition !== null ? `queued (#${j.queuePosition + 1})` : j.state;
  return [
    j.id,
    status,
    j.platform,
    j.model.name,
    j.batch,
    ms(j.result?.result.medianMs),
    j.result?.quality?.grade,
    j.attempts,
    j.error ? `${j.error.code}: ${j.error.message}` : null,
    j.createdAt.slice(0, 19).replace("T", " "),
  ];
}

const HEAD = ["job", "state", "platform", "model", "batch", "median ms", "grade", "attempts", "error", "created (UTC)"];

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>, positionals: string[];
  try {
    ({ values, positionals } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        state: { type: "string" },
        platform: { type: "string" },
        team: { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean" },
      },
    }));
  } catch (e) {
    console.error(`nnlq jobs: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  const api = new NnlqClient(clientEnv());
  const [sub, idArg] = positionals;
  if (sub === "show" || sub === "cancel") {
    const id = Number(idArg);
    if (!Number.isInteger(id) || id <= 0) {
      console.error(`nnlq jobs ${sub}: give a job id\n${usage}`);
      return 2;
    }
    const job = sub === "show" ? await api.getJob(id) : await api.cancelJob(id);
    console.log(values.json ? JSON.stringify(job, null, 2) : table(HEAD, [jobRow(job)]));
    return 0;
  }
  if (sub !== undefined) {
    console.error(`nnlq jobs: unknown subcommand '${sub}'\n${usage}`);
    return 2;
  }
  let team, limit;
  try {
    team = optionalIntArg("team", values.team as string | undefined, 1, 2 ** 31 - 1);
    limit = optionalIntArg("limit", values.limit as string | undefined, 1, 200);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`nnlq jobs: ${e.message}\n${usage}`);
    return 2;
  }
  const page = await api.listJobs({
    state: values.state as string | undefined,
    platform: values.platform as string | undefined,
    teamId: team,
    limit,
  });
  if (values.json) console.log(JSON.stringify(page, null, 2));
  else console.log(page.items.length ? table(HEAD, page.items.map(jobRow)) : "no jobs");
  return 0;
}
