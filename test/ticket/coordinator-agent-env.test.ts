import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { makeRepo } from "../env/fixture.js";
import { killAll } from "../runtime/runtime-helpers.js";

/**
 * What an agent started by the coordinator finds in its environment: its ticket's id and
 * title, and its thread when the ticket has one. The agent here writes its SWARM_* variables
 * to a file in its worktree, so the ticket's commit carries them.
 */

let d: TestDaemon;
let c: RpcClient;
let repo: string;

const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
const DUMP = 'env | grep "^SWARM_" | grep -v "^SWARM_HOME=" | sort > swarm-env.txt; read line';

beforeAll(async () => {
  repo = makeRepo("swarm-ticket-agent-env-");
  const home = tempHome();
  fs.writeFileSync(
    home.paths.configFile,
    JSON.stringify({
      secrets: { keyring: false },
      coordinator: {
        agent_kinds: ["envdump"],
        default_agent_kind: "envdump",
        repo,
        provider: "worktree",
        agent_command: { envdump: ["sh", "-c", DUMP] },
        idle_done_ms: 700,
        lease_ms: 5000,
        heartbeat_ms: 200,
        sweep_ms: 50,
        max_attempts: 1,
        breaker_failures: 100,
        min_free_mem_mb: 0,
        max_load_per_cpu: 0,
      },
    }),
  );
  d = await startDaemon({ home });
  c = await d.client();
});
afterAll(async () => {
  await killAll(d);
  await d?.stop();
  if (repo) fs.rmSync(repo, { recursive: true, force: true });
});

async function doneVars(id: string): Promise<Record<string, string>> {
  const t = await waitFor(
    `ticket ${id} to settle`,
    async () => {
      const t = await c.call<Ticket>("ticket.get", { id });
      return ["done", "failed"].includes(t.state) ? t : null;
    },
    30_000,
    50,
  );
  expect(t.state, JSON.stringify(t)).toBe("done");
  const { branch } = t.result as { branch: string };
  const lines = git("show", `${branch}:swarm-env.txt`).split("\n");
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe("an agent's environment names its ticket", () => {
  it("SWARM_TICKET_ID and SWARM_TICKET_TITLE, and no SWARM_THREAD_ID when the ticket has no thread", async () => {
    const { ticket } = await c.call<{ ticket: Ticket }>("ticket.submit", { title: "dump it: 'quoted' & all" });
    const vars = await doneVars(ticket.id);
    expect(vars.SWARM_TICKET_ID).toBe(ticket.id);
    expect(vars.SWARM_TICKET_TITLE).toBe("dump it: 'quoted' & all");
    expect(vars).not.toHaveProperty("SWARM_THREAD_ID");
    // the variables reach the program, not the runtime's public record (var_names lists a caller's own names, never swarm's context)
    const { runtimes } = await c.call<{ runtimes: Record<string, unknown>[] }>("runtime.list", { all: true });
    expect(JSON.stringify(runtimes)).not.toContain("dump it: 'quoted'");
    expect(JSON.stringify(runtimes)).not.toContain("SWARM_TICKET_TITLE");
  }, 60_000);

  it("SWARM_THREAD_ID when the ticket has a thread", async () => {
    // held back (a kind no agent serves) until its thread exists
    const { ticket } = await c.call<{ ticket: Ticket }>("ticket.submit", { title: "with a thread", agent_kind: "later" });
    const { thread } = await c.call<{ thread: { id: string } }>("thread.create", { title: "talk", ticket_id: ticket.id, participants: [{ agent_id: "x" }] });
    await c.call("ticket.update", { id: ticket.id, agent_kind: "envdump" });
    const vars = await doneVars(ticket.id);
    expect(vars.SWARM_TICKET_ID).toBe(ticket.id);
    expect(vars.SWARM_THREAD_ID).toBe(thread.id);
  }, 60_000);
});
