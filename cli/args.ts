/**
 * Argument helpers shared by the nnlq CLI commands (cli/commands/*) and the npm scripts (scripts/*):
 * integer options validated the same way everywhere, and node:util parseArgs errors turned into one line.
 */

/** A usage error: the caller prints its message (one line) and exits 2. */
export class UsageError extends Error {}

/**
 * `--name` as an integer in min…max: digits only (no sign, no exponent, no "0x"), a safe integer, in range.
 * Undefined → `def`, or a UsageError "--name is required" when there is no default.
 */
export function intArg(name: string, v: string | undefined, min: number, max: number, def?: number): number {
  if (v === undefined) {
    if (def === undefined) throw new UsageError(`--${name} is required`);
    return def;
  }
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer in ${min}…${max} (got '${v}')`);
  }
  return n;
}

/**
 * One line for a node:util parseArgs error (code ERR_PARSE_ARGS_*), or undefined when `e` is not one.
 * Node's "argument is ambiguous" message (a string option followed by a value starting with "-", as in
 * `--count -1`) spans three lines; it becomes "--count -1: a value starting with '-' must be written
 * --count=-1". `args` is the argv that was parsed (to name the value).
 */
export function parseArgsErrorMessage(e: unknown, args: readonly string[]): string | undefined {
  if (!(e instanceof TypeError) || !("code" in e) || !String(e.code).startsWith("ERR_PARSE_ARGS")) return undefined;
  const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(e.message);
  if (ambiguous) {
    const option = ambiguous[1]; // as typed: "--count" or "-c"
    const long = /use '(--[^=']+)=/.exec(e.message)?.[1] ?? option;
    const i = args.indexOf(option);
    const value = i >= 0 ? args[i + 1] : undefined;
    return `${option} ${value ?? "-…"}: a value starting with '-' must be written ${long}=${value ?? "-…"}`;
  }
  return e.message.split("\n")[0];
}

/**
 * `--name a,b,c`: a comma-separated list, each item one of `known`. Undefined → every known item.
 * Unknown items throw a UsageError naming them and the known ones.
 */
export function listArg<T extends string>(name: string, v: string | undefined, known: readonly T[]): T[] {
  if (v === undefined) return [...known];
  const items = v.split(",").map((s) => s.trim());
  const unknown = items.filter((s) => !(known as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`--${name}: unknown '${unknown.join("', '")}' (known: ${known.join(", ")})`);
  return items as T[];
}
