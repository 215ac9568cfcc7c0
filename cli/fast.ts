import type { CliContext, GlobalOpts } from "./context.js";

/**
 * One-shot commands that run without loading commander (about a fifth of swarmctl's
 * start-up CPU): taken only when the command line is exactly the command plus global
 * flags, so help, typos and extra arguments still go through commander and its messages.
 * The action is the same function the command's group registers with commander.
 */
const FAST: Record<string, () => Promise<(ctx: CliContext) => Promise<void>>> = {
  "daemon status": async () => (await import("./commands/daemon.js")).statusAction,
};

/** A token of util.parseArgs (non-strict), as cli/main.ts pre-scans the arguments. */
export type ScanToken =
  | { kind: "positional"; value: string }
  | { kind: "option"; name: string; value?: string | undefined; inlineValue?: boolean | undefined }
  | { kind: "option-terminator" };

/** The action and global options when `tokens` is a fast command, else null. */
export function fastCommand(tokens: readonly ScanToken[]): { load: () => Promise<(ctx: CliContext) => Promise<void>>; opts: GlobalOpts } | null {
  const words: string[] = [];
  const opts: GlobalOpts = {};
  for (const t of tokens) {
    if (t.kind === "positional") words.push(t.value);
    else if (t.kind === "option-terminator") return null;
    else if ((t.name === "json" || t.name === "no-autostart") && t.value === undefined) {
      if (t.name === "json") opts.json = true;
      else opts.autostart = false;
    } else if (t.name === "timeout" && typeof t.value === "string" && !t.value.startsWith("-")) opts.timeout = t.value;
    else return null; // --help, -V, a command's own flag, a flag without its value: commander's business
  }
  const load = FAST[words.join(" ")];
  return load ? { load, opts } : null;
}
