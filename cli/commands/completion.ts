import { Command } from "commander";
import { SwarmError } from "../../protocol/errors.js";
import type { RpcClient } from "../../client/index.js";
import type { CliContext, CommandGroup } from "../context.js";
import { GROUPS } from "../groups.js";

/**
 * Shell completion (bash, zsh, fish). The scripts call `swarmctl __complete WORDS…`, which
 * answers from the command table and, for names, from the running daemon (never starting one).
 */
const SCRIPTS: Record<string, string> = {
  bash: `# swarmctl bash completion: eval "$(swarmctl completion bash)"
_swarmctl() {
  local IFS=$'\\n'
  COMPREPLY=( $(swarmctl __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F _swarmctl swarmctl
`,
  zsh: `#compdef swarmctl
# swarmctl zsh completion: eval "$(swarmctl completion zsh)"
_swarmctl() {
  local -a candidates
  candidates=(\${(f)"$(swarmctl __complete \${words[2,CURRENT]} 2>/dev/null)"})
  compadd -a candidates
}
compdef _swarmctl swarmctl
`,
  fish: `# swarmctl fish completion: swarmctl completion fish | source
complete -c swarmctl -f -a '(swarmctl __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`,
};

/** Which command groups take which kind of name as their operand, and how to list them. */
const NAME_SOURCES: Record<string, { method: string; pick: (r: any) => string[] }> = {
  env: { method: "env.list", pick: (r) => (r.envs ?? []).map((e: { name: string }) => e.name) },
  ticket: { method: "ticket.list", pick: (r) => (r.tickets ?? []).map((t: { id: string }) => t.id) },
  runtime: { method: "runtime.list", pick: (r) => (r.runtimes ?? []).map((x: { name: string }) => x.name) },
  attach: { method: "runtime.list", pick: (r) => (r.runtimes ?? []).map((x: { name: string }) => x.name) },
  logs: { method: "runtime.list", pick: (r) => (r.runtimes ?? []).map((x: { name: string }) => x.name) },
  approval: { method: "approval.list", pick: (r) => (r.approvals ?? []).map((a: { id: string }) => a.id) },
};

async function names(ctx: CliContext, group: string): Promise<string[]> {
  const src = NAME_SOURCES[group];
  if (!src) return [];
  let c: RpcClient;
  try {
    c = await ctx.probe();
  } catch {
    return []; // no daemon: completion never starts one
  }
  try {
    return src.pick(await c.call(src.method, {}));
  } catch {
    return [];
  } finally {
    c.close();
  }
}

async function subcommands(group: string): Promise<string[]> {
  const entry = GROUPS[group];
  if (!entry) return [];
  const p = new Command();
  const mod = await entry.load();
  mod.register(p, () => {
    throw new Error("not during completion");
  });
  const top = p.commands.find((c) => c.name() === group);
  return top ? top.commands.map((c) => c.name()) : [];
}

export async function complete(ctx: CliContext, words: string[]): Promise<string[]> {
  const partial = words[words.length - 1] ?? "";
  const before = words.slice(0, -1).filter((w) => !w.startsWith("-"));
  let candidates: string[];
  if (partial.startsWith("-")) candidates = ["--json", "--no-autostart", "--help"];
  else if (before.length === 0) candidates = Object.keys(GROUPS).filter((g) => !g.startsWith("__"));
  else {
    const group = before[0]!;
    const subs = await subcommands(group);
    if (before.length === 1 && subs.length > 0) candidates = subs;
    else candidates = await names(ctx, group);
  }
  return candidates.filter((c) => c.startsWith(partial)).sort();
}

export const register: CommandGroup = (program, ctx) => {
  program
    .command("completion <shell>")
    .description("print a completion script for bash, zsh or fish (completes commands and env/ticket/runtime names)")
    .action((shell: string) => {
      const script = SCRIPTS[shell];
      if (!script) throw new SwarmError("INVALID_ARGUMENT", `no completion for ${JSON.stringify(shell)}; choose bash, zsh or fish`);
      process.stdout.write(script);
    });
  program
    .command("__complete", { hidden: true })
    .argument("[words...]")
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      for (const c of await complete(ctx(), words.length ? words : [""])) process.stdout.write(c + "\n");
    });
};
