/**
 * Command-line parsing for the npm scripts: node:util parseArgs, with its errors (an unknown option, a
 * missing value, a value that starts with "-") turned into one line on stderr and exit code 2 (usage)
 * instead of a stack trace; `usage`, when given, is printed after it.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseArgsErrorMessage, UsageError } from "../cli/args";

export function parseArgsOrExit<T extends ParseArgsConfig>(name: string, config: T, usage?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const message = parseArgsErrorMessage(e, config.args ?? process.argv.slice(2)) ?? (e as Error).message.split("\n")[0];
    console.error(`${name}: ${message}${usage ? `\n${usage}` : ""}`);
    process.exit(2);
  }
}

/** Validates parsed options (intArg, listArg of cli/args): a UsageError prints one line and exits 2. */
export function validOrExit<T>(name: string, validate: () => T): T {
  try {
    return validate();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${name}: ${e.message}`);
    process.exit(2);
  }
}
