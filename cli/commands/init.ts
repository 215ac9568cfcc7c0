import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { detectAgentClis } from "../../protocol/agent-clis.js";
import { SwarmError } from "../../protocol/errors.js";
import { checkName } from "../../protocol/names.js";
import type { CliContext, CommandGroup } from "../context.js";
import { INIT_KINDS, chooseAgents, configureCoordinator, sampleTicket, type AgentChoice, type ConfigChange } from "./init-config.js";

const SAMPLE = path.join("tickets", "0001-example-hello.md");

interface InitOptions {
  name?: string;
  provider?: string;
  agent?: string;
  force?: boolean;
  watch: boolean;
}

function gitTop(root: string): { top: string | null; hasCommit: boolean } {
  const git = spawnSync("git", ["-C", root, "rev-parse", "--show-toplevel"], { encoding: "utf8" });
  if (git.status !== 0) return { top: null, hasCommit: false };
  const head = spawnSync("git", ["-C", root, "rev-parse", "--verify", "-q", "HEAD"], { encoding: "utf8" });
  return { top: git.stdout.trim(), hasCommit: head.status === 0 };
}

function checkOptions(root: string, o: InitOptions): string {
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) throw new SwarmError("INVALID_ARGUMENT", `${root} is not a directory`);
  const name = o.name ?? path.basename(root);
  const bad = checkName(name);
  if (bad) throw new SwarmError("INVALID_ARGUMENT", `project ${bad}`, { hint: "pass --name with a valid name" });
  if (o.agent && !(INIT_KINDS as readonly string[]).includes(o.agent)) {
    throw new SwarmError("INVALID_ARGUMENT", `--agent ${o.agent} is not an agent kind init can configure`, { hint: `use one of ${INIT_KINDS.join(", ")}` });
  }
  return name;
}

function report(
  c: CliContext,
  r: { sample: string; kept: boolean; choice: AgentChoice; changes: ConfigChange[]; watched: { synced: number } | null; ticketsDir: string },
) {
  const out = c.out;
  out.print(r.kept ? `${out.ok("kept")} ${r.sample} (it exists; --force writes the sample again)` : `${out.ok("created")} ${r.sample}`);
  out.print(`${out.ok("agents")} ${r.choice.kinds.join(", ")} (default ${r.choice.default_kind}): ${r.choice.because}`);
  for (const ch of r.changes) {
    const was = ch.previous === undefined || ch.previous === null ? "" : ` (was ${JSON.stringify(ch.previous)})`;
    out.print(`${out.ok("config")} ${ch.key} = ${JSON.stringify(ch.value)}${was}`);
  }
  if (r.watched) out.print(`${out.ok("watching")} ${r.ticketsDir} (${r.watched.synced} ticket file(s) synced into the queue)`);
  out.print(`change: swarmctl config set coordinator.default_agent_kind KIND · swarmctl config set coordinator.agent_kinds '["claude","scripted"]'`);
  out.print(`next: swarmctl coordinator status · swarmctl ticket list · swarm (the TUI)`);
}

async function init(c: CliContext, dir: string | undefined, o: InitOptions): Promise<void> {
  const root = path.resolve(dir ?? ".");
  const name = checkOptions(root, o);
  const git = gitTop(root);
  const found = o.agent ? [] : detectAgentClis(process.env.PATH ?? "");
  const choice = chooseAgents(found, o.agent);
  const sample = path.join(root, SAMPLE);
  // init again (after `git init`, or to pick other agents) configures anew but keeps a sample the user may have edited
  const kept = fs.existsSync(sample) && !o.force;
  fs.mkdirSync(path.dirname(sample), { recursive: true });
  if (!kept) fs.writeFileSync(sample, sampleTicket(name, choice.default_kind === "scripted"));
  // Configure before watching: the sample ticket turns ready as soon as it is synced, and
  // must find the coordinator set up for it.
  const changes = git.top ? await configureCoordinator(c, { repo: git.top, workspace: name, choice, provider: o.provider }) : [];
  const ticketsDir = path.dirname(sample);
  const watched = o.watch ? await c.call("ticket.watch", { dir: ticketsDir }) : null;
  if (c.out.json) {
    c.out.printJson({
      project: name,
      root,
      repo: git.top,
      files: kept ? [] : [sample],
      kept: kept ? [sample] : [],
      agents: found,
      choice,
      config: changes,
      watching: watched !== null,
    });
    return;
  }
  report(c, { sample, kept, choice, changes, watched, ticketsDir });
  if (!git.top) c.out.print(c.out.warn(`note: ${root} is not a git repository, so tickets cannot run here: git init, commit, then swarmctl init again`));
  else if (!git.hasCommit) c.out.print(c.out.warn(`note: ${git.top} has no commit yet; ticket environments branch from HEAD: make a first commit`));
}

export const register: CommandGroup = (program, ctx) => {
  program
    .command("init [dir]")
    .description(
      "set DIR (default: .) up for tickets: detect agent CLIs, configure the coordinator for this repository, tickets/ with a sample ticket, watched",
    )
    .option("--name <name>", "project name: the workspace its tickets run in (default: the folder's name)")
    .option("--agent <kind>", `agent kind to configure instead of detecting (${INIT_KINDS.join(", ")})`)
    .option("--provider <p>", "environment provider for this project's tickets and env create (sets coordinator.provider and env.default_provider)")
    .option("--force", "write the sample ticket again if it exists (init again otherwise keeps it)")
    .option("--no-watch", "do not ask the daemon to watch the new tickets/ folder")
    .action((dir: string | undefined, o: InitOptions) => init(ctx(), dir, o));
};
