import { parseArgs } from "node:util";
import { ERROR_KINDS, SwarmError, USAGE_EXIT_CODE } from "../protocol/errors.js";
import { createContext, type CliContext, type GlobalOpts } from "./context.js";
import { fastCommand, type ScanToken } from "./fast.js";
import { endQuietlyOnClosedStdout } from "./output.js";

/**
 * What must be known before commander parses: the command group (its module is loaded only
 * when used) and `--json` anywhere before `--` (usage errors must be JSON on stderr too).
 * Non-strict parseArgs: the group's own options are commander's business.
 */
function preScan(args: string[]): { group: string | undefined; json: boolean; tokens: ScanToken[] } {
  const { tokens } = parseArgs({ args, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const end = tokens.findIndex((t) => t.kind === "option-terminator");
  const before = end < 0 ? tokens : tokens.slice(0, end);
  const positionals = before.filter((t) => t.kind === "positional").map((t) => t.value);
  // `swarmctl help GROUP` needs the group's subcommands loaded, like `swarmctl GROUP --help`.
  const group = positionals[0] === "help" ? (positionals[1] ?? "help") : positionals[0];
  return { group, json: before.some((t) => t.kind === "option" && t.name === "json"), tokens };
}

/** The global flags; the ones taking a value must be named so their value is not taken for the group. */
const GLOBAL_OPTIONS = { json: { type: "boolean" }, "no-autostart": { type: "boolean" }, timeout: { type: "string" } } as const;

/**
 * A schema refusal from the daemon reads "METHOD: invalid params: path: rule"; a person
 * typed flags, not params, so name the field and the rule, one line each.
 */
function humanMessage(err: SwarmError): string {
  const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
  if (err.kind !== "INVALID_ARGUMENT" || !Array.isArray(issues) || issues.length === 0) return err.message;
  return issues.map((i) => `invalid ${i.path === "(params)" ? "request" : i.path.replace(/_/g, "-")}: ${i.message}`).join("\nerror: ");
}

/**
 * The one place errors become exit codes: domain errors by their kind (table in
 * protocol/errors.ts), usage errors 64, anything else INTERNAL with a report hint.
 */
export function reportError(err: unknown, json: boolean): number {
  if (err instanceof SwarmError) {
    if (json) process.stderr.write(JSON.stringify({ error: { kind: err.kind, message: err.message, hint: err.hint, details: err.details } }) + "\n");
    else {
      process.stderr.write(`error: ${humanMessage(err)}\n`);
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    }
    return ERROR_KINDS[err.kind].exitCode;
  }
  const e = err as Error;
  process.stderr.write(`internal error: ${e?.stack ?? String(err)}\nThis is a bug in swarmctl; please report it with the command you ran.\n`);
  return ERROR_KINDS.INTERNAL.exitCode;
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedStdout();
  const args = argv.slice(2);
  const { group: name, json, tokens } = preScan(args);
  const fast = fastCommand(tokens);
  if (fast) return runFast(fast.load, fast.opts);
  const [{ buildProgram, CommanderError }, { GROUPS }] = await Promise.all([import("./program.js"), import("./groups.js")]);
  const program = buildProgram(json);
  let ctx: CliContext | null = null;
  const getCtx = () => (ctx ??= createContext(program.opts()));
  if (name && name in GROUPS) {
    const mod = await GROUPS[name]!.load();
    mod.register(program, getCtx);
  } else {
    for (const [g, { summary }] of Object.entries(GROUPS)) if (!g.startsWith("__")) program.command(g).description(summary);
    if (args.length === 0) {
      program.outputHelp();
      return 0;
    }
  }
  try {
    await program.parseAsync(argv);
    return (ctx as CliContext | null)?.exitCode ?? 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return err.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    return reportError(err, program.opts().json === true);
  } finally {
    (ctx as CliContext | null)?.close();
  }
}

/** A fast command (cli/fast.ts): the same action and error mapping as through commander. */
async function runFast(load: () => Promise<(ctx: CliContext) => Promise<void>>, opts: GlobalOpts): Promise<number> {
  let ctx: CliContext | null = null;
  try {
    const action = await load();
    ctx = createContext(opts);
    await action(ctx);
    return ctx.exitCode;
  } catch (err) {
    return reportError(err, opts.json === true);
  } finally {
    ctx?.close();
  }
}
