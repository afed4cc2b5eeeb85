/**
 * `nnlq platforms [--json]`: the server's platforms with device status and queue depth.
 * Server: NNLQ_URL (default http://localhost:3000); NNLQ_API_KEY optional.
 */
import { parseCommandLine } from "@/lib/args";
import { NnlqClient } from "@/lib/api/client";
import { clientEnv, table } from "../format";

export const summary = "list the server's platforms with device status and queue depth (NNLQ_URL)";
export const usage = "usage: nnlq platforms [--json]\nenvironment: NNLQ_URL (default http://localhost:3000), NNLQ_API_KEY (optional)";

export async function run(argv: string[]): Promise<number> {
  let json = false;
  try {
    json = !!parseCommandLine({ args: argv, options: { json: { type: "boolean" } } }).values.json;
  } catch (e) {
    console.error(`nnlq platforms: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  const platforms = await new NnlqClient(clientEnv()).platforms();
  if (json) {
    console.log(JSON.stringify(platforms, null, 2));
    return 0;
  }
  if (!platforms.length) {
    console.log("no platforms yet: a worker registers them when it starts");
    return 0;
  }
  console.log(
    table(
      ["platform", "devices", "online", "queued", "running", "description"],
      platforms.map((p) => [p.slug, p.devices.length, p.devicesOnline, p.queue.queued, p.queue.running, p.description ?? p.name]),
    ),
  );
  return 0;
}
