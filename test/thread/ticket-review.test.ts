import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import type { Message, Thread } from "../../protocol/thread/model.js";
import { startDaemon, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { makeRepo } from "../env/fixture.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { rpc } from "./helpers.js";

/**
 * coordinator.review: the coordinator opens a ticket's review thread when it dispatches the
 * ticket (executor = the ticket's runtime), and after the executor finishes starts the
 * reviewer runtime. The executor is a scripted program; the reviewer is a stand-in
 * `claude` on the daemon's PATH, so it gets the thread bridge like the real CLI: it reads
 * its prompt, starts the server of its --mcp-config with the MCP SDK's client and posts a
 * finding to SWARM_THREAD_ID, as the identity its token carries.
 */

const SDK = path.resolve("node_modules/@modelcontextprotocol/sdk/dist/esm");
const STAND_IN_CLAUDE = `#!${process.execPath}
import fs from "node:fs";
import readline from "node:readline";
import { Client } from "${SDK}/client/index.js";
import { StdioClientTransport } from "${SDK}/client/stdio.js";
const argv = process.argv.slice(2);
const cfg = JSON.parse(fs.readFileSync(argv[argv.indexOf("--mcp-config") + 1], "utf8")).mcpServers.swarm;
// drawn like Claude Code's prompt box (a ❯ row between two rules, the cursor after ❯), so its
// detector sees it ready and the typed prompt lands in the box; on Enter the box clears and it works
// it starts its MCP servers as it starts, as Claude Code does (swarm holds it starting until the bridge says hello)
const rule = "─".repeat(60);
const client = new Client({ name: "stand-in-claude", version: "1.0.0" });
const connected = client.connect(new StdioClientTransport({ ...cfg, stderr: "inherit" })).then(() => client.listTools());
process.stdout.write("reviewer ready\\r\\n" + rule + "\\r\\n❯ \\r\\n" + rule + "\\r\\n\\x1b[2A\\x1b[3G");
const rl = readline.createInterface({ input: process.stdin });
const prompt = await new Promise((resolve) => rl.once("line", resolve));
process.stdout.write("\\x1b[2J\\x1b[H✻ Reviewing… (esc to interrupt)\\r\\n");
await connected;
const body = "finding: the change lacks a test | prompt: " + prompt;
const r = await client.callTool({ name: "post_message", arguments: { id: process.env.SWARM_THREAD_ID, body, kind: "finding" } });
await client.close();
process.exit(r.isError ? 5 : 0);
`;

// the executor: takes its prompt, records the thread it was given, changes a file, exits 0
const EXECUTOR = 'read line; printf "%s\\n" "$SWARM_THREAD_ID" > exec-thread.txt; echo change > change.txt; echo "took: $line"';

let d: TestDaemon;
let c: RpcClient;
let repo: string;
let bin: string;

const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
const settled = (id: string) =>
  waitFor(
    `ticket ${id} to settle`,
    async () => {
      const t = await c.call<Ticket>("ticket.get", { id });
      return ["done", "failed"].includes(t.state) ? t : null;
    },
    60_000,
    50,
  );
const threadOf = async (ticketId: string) => (await rpc<{ threads: Thread[] }>(c, "thread.list", { ticket_id: ticketId })).threads;

beforeAll(async () => {
  repo = makeRepo("swarm-review-repo-");
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-review-bin-"));
  fs.writeFileSync(path.join(bin, "claude"), STAND_IN_CLAUDE, { mode: 0o755 });
  const home = tempHome();
  fs.writeFileSync(
    home.paths.configFile,
    JSON.stringify({
      secrets: { keyring: false },
      coordinator: {
        agent_kinds: ["exec"],
        default_agent_kind: "exec",
        repo,
        provider: "worktree",
        agent_command: { exec: ["sh", "-c", EXECUTOR] },
        review: { enabled: true, reviewer_kind: "claude" },
        // the reviewer exits when it has posted: a long idle rule keeps a slow MCP start on a loaded host from counting as done
        idle_done_ms: 15_000,
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
  d = await startDaemon({ home, extraEnv: { PATH: `${bin}:${process.env.PATH}` } });
  c = await d.client();
});
afterAll(async () => {
  await killAll(d);
  await d?.stop();
  for (const dir of [repo, bin]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("coordinator.review: a ticket's executor/reviewer thread", () => {
  it("the thread is opened at dispatch, the executor gets it, and the reviewer runtime posts its finding there as itself", async () => {
    const { ticket } = await c.call<{ ticket: Ticket }>("ticket.submit", { title: "add the widget" });
    const t = await settled(ticket.id);
    expect(t.state, JSON.stringify(t)).toBe("done");
    const result = t.result as { branch: string; review: { runtime: string; thread: string; outcome: string; exit_code: number } };
    const [thread, ...more] = await threadOf(ticket.id);
    expect(more).toEqual([]);
    expect(thread).toMatchObject({ type: "review", ticket_id: ticket.id, created_by: "coordinator" });
    const executor = `ticket-${ticket.id}`;
    const reviewer = `ticket-${ticket.id}-review`;
    expect(thread!.participants.map((p) => [p.agent_id, p.role]).sort()).toEqual([
      [executor, "executor"],
      [reviewer, "reviewer"],
    ]);
    // the executor had the thread id (its commit carries what it saw)
    expect(git("show", `${result.branch}:exec-thread.txt`)).toBe(thread!.id);
    expect(result.review, JSON.stringify(result.review)).toMatchObject({ runtime: reviewer, thread: thread!.id, outcome: "finished", exit_code: 0 });

    const { messages } = await rpc<{ messages: Message[] }>(c, "thread.read", { id: thread!.id });
    const finding = messages.find((m) => m.kind === "finding");
    expect(finding, JSON.stringify(messages)).toBeDefined();
    expect(finding!.author).toBe(reviewer);
    expect(finding!.body).toContain(`Review ticket ${ticket.id}`);
    expect(finding!.body).toContain(`in thread ${thread!.id}`);

    // order: the reviewer started after the executor's runtime had exited
    const { events } = await rpc<{ events: { id: number; type: string; subject: string | null; data: Record<string, unknown> }[] }>(c, "event.list", {
      types: ["runtime.state", "ticket.review_started"],
      limit: 1000,
    });
    const exited = events.find((e) => e.type === "runtime.state" && e.subject === executor && e.data.state === "exited");
    const review = events.find((e) => e.type === "ticket.review_started" && e.subject === ticket.id);
    expect(exited && review && exited.id < review.id, JSON.stringify({ exited, review })).toBe(true);

    // the thread's creation is a policy row of the audit chain
    const { entries } = await rpc<{ entries: { actor: string; actor_kind: string; action: string; subject: string }[] }>(c, "audit.list", {});
    expect(entries).toContainEqual(expect.objectContaining({ actor: "coordinator", actor_kind: "policy", action: "thread.create", subject: thread!.id }));
  }, 90_000);

  it("a ticket of another workspace: its thread is there, and its reviewer's token is for that workspace, so the post lands", async () => {
    const { ticket } = await c.call<{ ticket: Ticket }>("ticket.submit", { title: "web work", workspace: "web" });
    const t = await settled(ticket.id);
    expect(t.state, JSON.stringify(t)).toBe("done");
    const [thread] = await threadOf(ticket.id);
    expect(thread!.workspace).toBe("web");
    const reviewer = `ticket-${ticket.id}-review`;
    // the stand-in exits 5 when its post is refused (it was cross_workspace with a token for `default`)
    expect((t.result as { review: { exit_code: number } }).review.exit_code).toBe(0);
    const { messages } = await rpc<{ messages: Message[] }>(c, "thread.read", { id: thread!.id });
    expect(messages.find((m) => m.kind === "finding")?.author).toBe(reviewer);
    const { entries } = await rpc<{ entries: { actor: string; outcome: string; details: Record<string, unknown> }[] }>(c, "audit.list", {
      actor: reviewer,
      limit: 100,
    });
    expect(entries.filter((e) => e.outcome !== "ok")).toEqual([]);
    expect(entries.some((e) => e.details.workspace === "web")).toBe(true);
  }, 90_000);

  it("with no reviewer runtime, a named reviewer joins the thread and the ticket completes after its executor", async () => {
    await c.call("config.set", { key: "coordinator.review", value: { enabled: true, reviewer: "alice" } });
    const { ticket } = await c.call<{ ticket: Ticket }>("ticket.submit", { title: "second one" });
    const t = await settled(ticket.id);
    expect(t.state, JSON.stringify(t)).toBe("done");
    expect(t.result).not.toHaveProperty("review");
    const [thread] = await threadOf(ticket.id);
    expect(thread!.participants.map((p) => [p.agent_id, p.role]).sort()).toEqual([
      ["alice", "reviewer"],
      [`ticket-${ticket.id}`, "executor"],
    ]);
  }, 90_000);
});
