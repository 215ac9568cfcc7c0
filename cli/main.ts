import { Command, CommanderError, Option } from "commander";
import { ERROR_KINDS, SwarmError, USAGE_EXIT_CODE } from "../protocol/errors.js";
import { SWARM_VERSION } from "../protocol/version.js";
import { createContext, type CliContext } from "./context.js";
import { GROUPS } from "./groups.js";

/** `--json` anywhere before `--`: usage errors must be JSON on stderr too, like every other error. */
function wantsJson(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).includes("--json");
}

function buildProgram(json: boolean): Command {
  const program = new Command("swarmctl")
    .description("Control the swarm daemon: environments, agents, tickets, threads.")
    .version(SWARM_VERSION, "-V, --version", "print the swarmctl version")
    .addOption(new Option("--json", "machine-readable output on stdout"))
    .addOption(new Option("--no-autostart", "fail instead of starting swarmd when it is not running"))
    .addOption(new Option("--timeout <duration>", "deadline for each call to swarmd, e.g. 10s or 5m (default: 30s for quick calls, 1h for long operations)"))
    .exitOverride();
  if (json) {
    // subcommands inherit this output configuration when they are created
    program.configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s) => {
        const message = s.trim().replace(/^error: /, "");
        process.stderr.write(JSON.stringify({ error: { kind: "USAGE", message, hint: "run with --help for usage" } }) + "\n");
      },
    });
  } else {
    program.showHelpAfterError("(run with --help for usage)");
    program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  }
  return program;
}

/** Global options that take a value (`--timeout 5s`): their value is not the command group. */
const GLOBAL_VALUE_OPTIONS = new Set(["--timeout"]);

/** First word that is not an option or a global option's value: the command group being used. */
function groupOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GLOBAL_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

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
  const args = argv.slice(2);
  const program = buildProgram(wantsJson(args));
  let name = groupOf(args);
  // `swarmctl help GROUP` needs the group's subcommands loaded, like `swarmctl GROUP --help`.
  if (name === "help") name = groupOf(args.slice(args.indexOf("help") + 1)) ?? name;
  let ctx: CliContext | null = null;
  const getCtx = () => (ctx ??= createContext(program));
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
