import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { RpcClient } from "../../client/index.js";
import { SwarmError } from "../../protocol/errors.js";
import { DEMO_WORKSPACE, REPO_FILES, demoTickets } from "./project.js";

/** What a demo made, kept in DIR/state.json so `swarm demo --clean` removes exactly that. */
export interface DemoState {
  dir: string;
  repo: string;
  tickets: string[];
  thread: string | null;
  /** config keys the demo set, with the value each had before (undefined = absent) and the one it set */
  config: { key: string; previous: unknown; value?: unknown }[];
}

const stateFile = (dir: string) => path.join(dir, "state.json");

export function readState(dir: string): DemoState | null {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir), "utf8")) as DemoState;
  } catch {
    return null;
  }
}

function writeState(s: DemoState): void {
  fs.mkdirSync(s.dir, { recursive: true });
  fs.writeFileSync(stateFile(s.dir), JSON.stringify(s, null, 2) + "\n");
}

function git(repo: string, ...args: string[]): void {
  const r = spawnSync("git", ["-C", repo, "-c", "user.name=swarm-demo", "-c", "user.email=demo@localhost", ...args], { encoding: "utf8" });
  if (r.status !== 0)
    throw new SwarmError("UNAVAILABLE", `git ${args.join(" ")} failed in ${repo}: ${(r.stderr || r.error?.message || "").trim()}`, {
      hint: "swarm demo needs git",
    });
}

function makeRepo(repo: string): void {
  fs.mkdirSync(repo, { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  for (const [f, text] of Object.entries(REPO_FILES)) fs.writeFileSync(path.join(repo, f), text);
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "calc: an empty calculator");
}

/** The next demo number: one past the highest demo-N-… ticket id there is (ticket ids are never reused). */
async function nextRun(c: RpcClient): Promise<number> {
  const { tickets } = (await c.call("ticket.list", { workspace: DEMO_WORKSPACE, limit: 1000 })) as { tickets: { id: string }[] };
  const runs = tickets.map((t) => Number(/^demo-(\d+)-/.exec(t.id)?.[1] ?? 0));
  return Math.max(0, ...runs) + 1;
}

async function configure(c: RpcClient, repo: string, log: (line: string) => void): Promise<DemoState["config"]> {
  const cur = (await c.call("config.get", { key: "coordinator" })).value as { repos: Record<string, string>; agent_kinds: string[]; max_load_per_cpu: number };
  const changes: DemoState["config"] = [{ key: `coordinator.repos.${DEMO_WORKSPACE}`, previous: cur.repos[DEMO_WORKSPACE] }];
  await c.call("config.set", { key: changes[0]!.key, value: repo });
  // The demo's agents are tiny; a host kept busy by other work must not hold them all back.
  // Relaxed only when load is what holds dispatch, said so, and restored by --clean.
  const host = (await c.call("coordinator.status", {})).host;
  if (!host.ok && /max_load_per_cpu/.test(host.reason ?? "")) {
    changes.push({ key: "coordinator.max_load_per_cpu", previous: cur.max_load_per_cpu, value: 0 });
    await c.call("config.set", { key: "coordinator.max_load_per_cpu", value: 0 });
    log(`${host.reason}: coordinator.max_load_per_cpu set to 0 (load ignored) until \`swarm demo --clean\` restores it`);
  }
  if (!cur.agent_kinds.includes("scripted")) {
    changes.push({ key: "coordinator.agent_kinds", previous: cur.agent_kinds, value: [...cur.agent_kinds, "scripted"] });
    await c.call("config.set", { key: "coordinator.agent_kinds", value: [...cur.agent_kinds, "scripted"] });
  }
  return changes;
}

/**
 * Builds the demo: the scratch repository, the coordinator pointed at it for the demo's
 * workspace (and the scripted agent among its kinds), the workflow submitted in one
 * transaction, and a review thread for the release ticket its agent posts in.
 */
export async function setUpDemo(c: RpcClient, dir: string, log: (line: string) => void): Promise<DemoState & { workflow: string; run: number }> {
  const run = await nextRun(c);
  const repo = path.join(dir, `repo-${run}`);
  makeRepo(repo);
  log(`repository ${repo} (git, one commit)`);
  const state: DemoState = { dir, repo, tickets: [], thread: null, config: [] };
  writeState(state);
  state.config = await configure(c, repo, log);
  writeState(state);
  const id = (key: string) => `demo-${run}-${key}`;
  const wf = await c.call("ticket.workflow_submit", {
    name: `swarm demo ${run}`,
    workspace: DEMO_WORKSPACE,
    tickets: demoTickets(id).map((t) => ({
      ...t,
      id: id(t.key),
      agent_kind: "scripted",
      requires_approval: t.requires_approval ?? false,
      timeout_ms: 300_000,
    })),
  });
  state.tickets = wf.tickets.map((t) => t.id);
  writeState(state);
  log(`workflow ${wf.workflow.id}: ${state.tickets.length} tickets, plan → add, sub, mul, docs → release (needs your approval)`);
  try {
    const th = await c.call("thread.create", {
      title: `review ${id("release")}`,
      type: "review",
      ticket_id: id("release"),
      // the ticket's workspace: its agent's bridge token is for that one (daemon/bridge/workspace.ts)
      workspace: DEMO_WORKSPACE,
      participants: [{ agent_id: `ticket-${id("release")}`, role: "executor" }],
    });
    state.thread = th.thread.id;
    writeState(state);
  } catch (err) {
    log(`no review thread (${(err as Error).message})`);
  }
  return { ...state, workflow: wf.workflow.id, run };
}

/** Removes what a demo made: its tickets stopped, runtimes and environments gone, config restored, the folder deleted. */
function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

export async function cleanDemo(c: RpcClient, dir: string, log: (line: string) => void): Promise<boolean> {
  const s = readState(dir);
  if (!s) {
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    return false;
  }
  for (const id of s.tickets) {
    const t = (await c.call("ticket.get", { id }).catch(() => null)) as { state: string } | null;
    if (t && !["done", "failed", "cancelled"].includes(t.state)) await c.call("ticket.cancel", { id, reason: "swarm demo --clean" }).catch(() => {});
    const name = `ticket-${id}`;
    await c.call("runtime.kill", { name }).catch(() => {});
    await c.call("runtime.remove", { name }).catch(() => {});
    await c.call("env.delete", { name, force: true }).catch(() => {});
    const bundle = (await c.call("bundle.get", { id }).catch(() => null)) as { path: string } | null;
    if (bundle) fs.rmSync(bundle.path, { force: true });
  }
  // a deleted worktree waits in the trash for restore-deleted: the demo's (of its repository, nobody else's) go for good
  const trash = (await c.call("env.trash_list", {}).catch(() => ({ entries: [] }))).entries.filter((e) => sameDir(e.repo, s.repo));
  const purged = trash.length ? (await c.call("env.trash_purge", { ids: trash.map((e) => e.id) }).catch(() => ({ purged: [] }))).purged : [];
  // threads are never deleted (their messages are in the audit chain): the demo's is closed
  if (s.thread) await c.call("thread.override", { id: s.thread, to: "closed", reason: "swarm demo --clean" }).catch(() => {});
  for (const ch of [...s.config].reverse()) {
    if (ch.previous === undefined && ch.key.startsWith("coordinator.repos.")) {
      const repos = (await c.call("config.get", { key: "coordinator.repos" })).value as Record<string, string>;
      delete repos[ch.key.slice("coordinator.repos.".length)];
      await c.call("config.set", { key: "coordinator.repos", value: repos });
    } else if (ch.key === "coordinator.agent_kinds") {
      // the demo added one kind: take back just that, and not while it is the default kind
      // (`swarmctl init` with no agent CLI chose it since, and found it already listed)
      const co = (await c.call("config.get", { key: "coordinator" })).value as { agent_kinds: string[]; default_agent_kind: string };
      if (co.default_agent_kind !== "scripted" && co.agent_kinds.includes("scripted")) {
        await c.call("config.set", { key: ch.key, value: co.agent_kinds.filter((k) => k !== "scripted") });
      }
    } else {
      // a value changed since by someone else is theirs now
      const now = (await c.call("config.get", { key: ch.key })).value;
      if (!("value" in ch) || JSON.stringify(now) === JSON.stringify(ch.value)) await c.call("config.set", { key: ch.key, value: ch.previous });
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  log(
    `removed ${s.tickets.length} tickets' runtimes and environments (${purged.length} from the trash)${s.thread ? `, closed thread ${s.thread}` : ""}, restored ${s.config.map((x) => x.key).join(", ") || "no config"}, deleted ${dir}`,
  );
  return true;
}
