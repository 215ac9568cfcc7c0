import type { Command } from "commander";
import { SwarmError } from "../../protocol/errors.js";
import type { CliContext } from "../context.js";

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `--var KEY=VALUE` (repeatable) into an environment map; `--var KEY` takes KEY's value from
 * this shell, so a secret need not appear in any argv at all. Values go to the program's
 * environment only: never its command, never `runtime list/show` (names only).
 */
export function parseVars(items: string[] | undefined, env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  if (!items?.length) return undefined;
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    if (!VAR_NAME.test(key)) {
      throw new SwarmError("INVALID_ARGUMENT", `--var ${JSON.stringify(key)}: not a variable name`, {
        hint: "use --var KEY=VALUE or --var KEY (value from your environment); KEY is letters, digits and _, not starting with a digit",
      });
    }
    const value = eq < 0 ? env[key] : item.slice(eq + 1);
    if (value === undefined)
      throw new SwarmError("INVALID_ARGUMENT", `--var ${key}: ${key} is not set in this shell`, { hint: `export ${key}=… or pass --var ${key}=VALUE` });
    out[key] = value;
  }
  return out;
}

/** Commander collector for a repeatable option. */
export const collect = (v: string, acc: string[] = []): string[] => [...acc, v];

/** "COLSxROWS" (e.g. 120x40) into numbers, or INVALID_ARGUMENT naming the form. */
export function parseSize(s: string): { cols: number; rows: number } {
  const m = /^(\d{1,4})[xX](\d{1,4})$/.exec(s.trim());
  const cols = m ? Number(m[1]) : NaN;
  const rows = m ? Number(m[2]) : NaN;
  if (!m || cols < 2 || cols > 1000 || rows < 2 || rows > 500) {
    throw new SwarmError("INVALID_ARGUMENT", `size ${JSON.stringify(s)} is not COLSxROWS with 2–1000 columns and 2–500 rows`, {
      hint: "e.g. swarmctl runtime resize NAME 120x40",
    });
  }
  return { cols, rows };
}

/** runtime resume and runtime resize. */
export function registerSession(rt: Command, ctx: () => CliContext): void {
  rt.command("resume")
    .description("continue an ended agent runtime's session by its recorded id, as a new generation under the same name")
    .argument("<name>")
    .argument("[prompt...]", "a first message (codex: runs headless, `codex exec resume ID PROMPT`, unless --interactive)")
    .option("--headless", "run the prompt non-interactively and exit")
    .option("--interactive", "resume the interactive agent even with a prompt")
    .option("--var <KEY=VALUE>", "an environment variable for the new generation (repeatable); default: those given at start", collect)
    .action(async (name: string, words: string[], o: { headless?: boolean; interactive?: boolean; var?: string[] }) => {
      const c = ctx();
      if (o.headless && o.interactive)
        throw new SwarmError("INVALID_ARGUMENT", "--headless and --interactive exclude each other", { hint: "give one of them" });
      const prompt = words.length ? words.join(" ") : undefined;
      const vars = parseVars(o.var);
      const r = await c.call("runtime.resume", {
        name,
        ...(prompt ? { prompt } : {}),
        ...(o.headless ? { headless: true } : o.interactive ? { headless: false } : {}),
        ...(vars ? { vars } : {}),
      });
      if (c.out.json) return c.out.printJson(r);
      const how = r.headless ? "headless" : "interactive";
      c.out.print(
        `resumed ${r.name} session ${r.session_id} (${how}, generation ${r.generation ?? "?"}, pid ${r.pid}); watch it with \`swarmctl runtime screen ${r.name}\``,
      );
    });

  rt.command("resize")
    .description("resize a runtime's terminal: runtime resize NAME COLSxROWS (e.g. 120x40)")
    .argument("<name>")
    .argument("<size>", "COLSxROWS")
    .action(async (name: string, size: string) => {
      const c = ctx();
      const r = await c.call("runtime.resize", { name, ...parseSize(size) });
      if (c.out.json) c.out.printJson(r);
      else c.out.print(`resized ${name} to ${r.cols}x${r.rows}`);
    });
}
