/**
 * nnlq CLI dispatcher. Each subcommand lives in cli/commands/<name>.ts and exports
 * `run(argv: string[]): Promise<number>` (the exit code) and `summary` (one line for help).
 * Exit codes: 0 ok, 1 unexpected failure, 2 usage error, 3 bad input (an NnlqError 4xx), 4 server/API error.
 */
import { checkEnvOrExit } from "@/lib/env";
import { isNnlqError, statusOf } from "@/lib/errors";

const COMMANDS: Record<string, () => Promise<{ run: (argv: string[]) => Promise<number>; summary: string; usage?: string }>> = {
  inspect: () => import("./commands/inspect"),
  zoo: () => import("./commands/zoo"),
  query: () => import("./commands/query"),
  platforms: () => import("./commands/platforms"),
  jobs: () => import("./commands/jobs"),
  worker: () => import("./commands/worker"),
};

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, BAD_INPUT: 3, SERVER: 4 } as const;

async function help(): Promise<number> {
  const lines = ["usage: nnlq <command> [options]", "", "commands:"];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
    } catch {
      lines.push(`  ${name.padEnd(10)} (unavailable)`);
    }
  }
  console.log(lines.join("\n"));
  return EXIT.OK;
}

async function main(argv: string[]): Promise<number> {
  checkEnvOrExit("nnlq");
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") return help();
  const load = COMMANDS[cmd];
  if (!load) {
    console.error(`nnlq: unknown command '${cmd}' (try 'nnlq --help')`);
    return EXIT.USAGE;
  }
  try {
    const command = await load();
    // `nnlq <command> --help` for the commands that do not parse it themselves
    if (command.usage && (rest.includes("--help") || rest.includes("-h"))) {
      console.log(command.usage);
      return EXIT.OK;
    }
    return await command.run(rest);
  } catch (e) {
    if (isNnlqError(e)) {
      console.error(`nnlq ${cmd}: ${e.code}: ${e.message}`);
      return statusOf(e.code) < 500 ? EXIT.BAD_INPUT : EXIT.SERVER;
    }
    console.error(`nnlq ${cmd}: unexpected error:`, e instanceof Error ? e.message : e);
    return EXIT.FAILURE;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
