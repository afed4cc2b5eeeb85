/**
 * The one command-line parser of nnlq's processes: the CLI (cli/commands/*), the npm scripts (scripts/*),
 * the measurement worker and the trainer. node:util parseArgs underneath; on top of it:
 *   - typed option values: intArg (digits only), numberArg (finite, in a range), fractionArg, listArg;
 *   - one-line usage errors: a UsageError carries the message; parseCommandLine turns parseArgs errors
 *     (unknown option, missing value) into one, and explains `--count -1` (write `--count=-1`);
 *   - the exits of a script: parseArgsOrExit / validOrExit / usageExit print "<name>: <message>" (and the
 *     usage, when given) on stderr and exit 2; `--help` is an ordinary boolean option the caller prints.
 * Node-only; no database, no Next.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A usage error: the caller prints its message (one line) and exits 2. */
export class UsageError extends Error {}

/** How an out-of-range value is quoted: "… (got 'x')" (default) or "…, got 'x'" (the worker's and trainer's wording). */
export type Wording = "paren" | "comma";

const got = (v: string, wording: Wording = "paren") => (wording === "comma" ? `, got '${v}'` : ` (got '${v}')`);

/**
 * `--name` as an integer in min…max: digits only (no sign, no exponent, no "0x"), a safe integer, in range.
 * Undefined → `def`, or a UsageError "--name is required" when there is no default.
 */
export function intArg(name: string, v: string | undefined, min: number, max: number, def?: number, wording?: Wording): number {
  if (v === undefined) {
    if (def === undefined) throw new UsageError(`--${name} is required`);
    return def;
  }
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer in ${min}…${max}${got(v, wording)}`);
  }
  return n;
}

/** intArg for an option without a default: undefined stays undefined. */
export function optionalIntArg(name: string, v: string | undefined, min: number, max: number, wording?: Wording): number | undefined {
  return v === undefined ? undefined : intArg(name, v, min, max, undefined, wording);
}

/**
 * `--name` as a finite number in min…max (an integer too when `integer`); undefined stays undefined.
 * Message: "--name must be a number in min…max, got 'v'".
 */
export function numberArg(
  name: string,
  v: string | undefined,
  min: number,
  max: number,
  o: { integer?: boolean; wording?: Wording } = {},
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max || (o.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be a number in ${min}…${max}${got(v, o.wording ?? "comma")}`);
  }
  return n;
}

/** `--name` as a number in 0…1; undefined stays undefined. */
export function fractionArg(name: string, v: string | undefined): number | undefined {
  return numberArg(name, v, 0, 1);
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

/** Repeatable and comma-separated values (`--platform a,b --platform c`) as one list, blanks dropped. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((p) => p.split(",")).map((p) => p.trim()).filter(Boolean);
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

/** parseArgs, with its errors as a one-line UsageError. `config.args` defaults to process.argv.slice(2). */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const message = parseArgsErrorMessage(e, config.args ?? process.argv.slice(2));
    if (message === undefined) throw e;
    throw new UsageError(message);
  }
}

/** Prints "<name>: <message>" (and the usage, when given) on stderr and exits 2. */
export function usageExit(name: string, message: string, usage?: string): never {
  console.error(`${name}: ${message}${usage ? `\n${usage}` : ""}`);
  process.exit(2);
}

/** parseCommandLine for a script: a usage error prints one line (then `usage`, when given) and exits 2. */
export function parseArgsOrExit<T extends ParseArgsConfig>(name: string, config: T, usage?: string): ReturnType<typeof parseArgs<T>> {
  return validOrExit(name, () => parseCommandLine(config), usage);
}

/** Runs `validate` (intArg, listArg, …): a UsageError prints "<name>: <message>" (then `usage`) and exits 2. */
export function validOrExit<T>(name: string, validate: () => T, usage?: string): T {
  try {
    return validate();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    usageExit(name, e.message, usage);
  }
}
