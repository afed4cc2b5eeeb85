/**
 * Command-line parsing for the npm scripts: node:util parseArgs, with its errors (an unknown option, a
 * missing value, a value that starts with "-") turned into one line on stderr and exit code 2 (usage)
 * instead of a stack trace; `usage`, when given, is printed after it.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export function parseArgsOrExit<T extends ParseArgsConfig>(name: string, config: T, usage?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    console.error(`${name}: ${(e as Error).message.split("\n")[0]}${usage ? `\n${usage}` : ""}`);
    process.exit(2);
  }
}
