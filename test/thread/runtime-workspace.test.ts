import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { AuditEntry } from "../../protocol/methods/audit.js";
import type { Thread } from "../../protocol/thread/model.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { makeRepo } from "../env/fixture.js";
import { errOf } from "../helpers/errors.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { nonce, rpc } from "./helpers.js";

/**
 * A runtime's bridge token carries the runtime's own workspace (daemon/bridge/workspace.ts):
 * its ticket's (SWARM_TICKET_ID), else its environment's project, else `default`; a thread
 * of another workspace is refused to it (`cross_workspace`) and the refusal is audited.
 */

// A stand-in `claude`: records the argv the daemon gave it, then waits like an idle agent.
const FAKE_CLAUDE = `#!/bin/sh
printf '%s\\n' "$@" > "$ARGV_FILE"
exec sleep 600
`;

let d: TestDaemon;
let c: RpcClient;
let bin: string;
let repo: string;

beforeAll(async () => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-ws-claude-"));
  fs.writeFileSync(path.join(bin, "claude"), FAKE_CLAUDE, { mode: 0o755 });
  repo = makeRepo("swarm-ws-repo-");
  d = await startDaemon({ extraEnv: { PATH: `${bin}:${process.env.PATH}` } });
  c = await d.client();
});
afterAll(async () => {
  await killAll(d);
  await d?.stop();
  for (const dir of [bin, repo]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a stand-in claude runtime and returns the token its --mcp-config hands the bridge. */
async function tokenOf(name: string, start: Record<string, unknown>): Promise<string> {
  const argvFile = path.join(bin, `${name}.argv`);
  const vars = { ARGV_FILE: argvFile, ...(start.vars as Record<string, string> | undefined) };
  await rpc(c, "runtime.start", { name, agent: "claude", command: [], ...(start.env ? {} : { cwd: bin }), ...start, vars });
  const argv = (await waitFor(`${name} to record its argv`, () => (fs.existsSync(argvFile) ? fs.readFileSync(argvFile, "utf8") : null))).trim().split("\n");
  const file = argv[argv.indexOf("--mcp-config") + 1]!;
  const server = (JSON.parse(fs.readFileSync(file, "utf8")) as { mcpServers: { swarm: { env: Record<string, string> } } }).mcpServers.swarm;
  return server.env.SWARM_AGENT_TOKEN!;
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { agent_id: string; workspace_id: string };
const asAgent = <R>(token: string, method: string, params: Record<string, unknown>) => rpc<R>(c, method, { ...params, auth: { token, nonce: nonce() } });
const threadIn = async (workspace: string, agent: string) =>
  (await rpc<{ thread: Thread }>(c, "thread.create", { title: `in ${workspace}`, workspace, participants: [{ agent_id: agent }] })).thread;

describe("a runtime's bridge token is for its own workspace", () => {
  it("in an environment: its project; a thread there takes its post, one in `default` is refused as cross_workspace and audited", async () => {
    await rpc(c, "env.create", { name: "web-env", provider: "worktree", repo, project: "web" });
    const token = await tokenOf("web-agent", { env: "web-env" });
    expect(claims(token)).toMatchObject({ agent_id: "web-agent", workspace_id: "web" });

    const mine = await threadIn("web", "web-agent");
    const posted = await asAgent<{ message: { author: string } }>(token, "thread.post", { id: mine.id, body: "in my workspace" });
    expect(posted.message.author).toBe("web-agent");

    const other = await threadIn("default", "web-agent");
    const e = await errOf(asAgent(token, "thread.post", { id: other.id, body: "across" }));
    expect(e.kind).toBe("PERMISSION_DENIED");
    expect(e.details?.reason_code).toBe("cross_workspace");
    expect(e.message).toContain("web");
    const { entries } = await rpc<{ entries: AuditEntry[] }>(c, "audit.list", { outcome: "denied", actor: "web-agent", limit: 100 });
    expect(entries.map((x) => x.details.reason_code)).toContain("cross_workspace");
    // nor can it create a thread in another workspace
    const e2 = await errOf(asAgent(token, "thread.create", { title: "elsewhere", workspace: "default" }));
    expect(e2.details?.reason_code).toBe("cross_workspace");
  });

  it("working a ticket (SWARM_TICKET_ID): the ticket's workspace, even in an environment of another project", async () => {
    const ticket = (await rpc<{ ticket: { id: string } }>(c, "ticket.submit", { title: "api work", workspace: "api" })).ticket;
    const onHost = await tokenOf("api-agent", { vars: { SWARM_TICKET_ID: ticket.id } });
    expect(claims(onHost).workspace_id).toBe("api");
    const inEnv = await tokenOf("api-agent-2", { env: "web-env", vars: { SWARM_TICKET_ID: ticket.id } });
    expect(claims(inEnv).workspace_id).toBe("api");
    const t = await threadIn("api", "api-agent");
    expect((await asAgent<{ message: { seq: number } }>(onHost, "thread.post", { id: t.id, body: "on the ticket" })).message.seq).toBe(1);
  });

  it("a session the wake starts beside a live runtime (SWARM_WAKE_OF) is that participant: its read moves the woken one's cursor", async () => {
    const token = await tokenOf("woken.w-1-r1", { vars: { SWARM_WAKE_OF: "woken" } });
    expect(claims(token)).toMatchObject({ agent_id: "woken", workspace_id: "default" });
    const t = await threadIn("default", "woken");
    await rpc(c, "thread.post", { id: t.id, as: "operator", body: "wake up" });
    await asAgent(token, "thread.read", { id: t.id });
    await asAgent(token, "thread.ack", { id: t.id, seq: 1 });
    const after = await rpc<Thread>(c, "thread.get", { id: t.id });
    expect(after.participants.find((p) => p.agent_id === "woken")?.unread).toBe(0);
  });

  it("neither a ticket nor an environment: `default` (an unknown ticket id does not pick a workspace)", async () => {
    expect(claims(await tokenOf("plain-agent", {})).workspace_id).toBe("default");
    expect(claims(await tokenOf("stray-agent", { vars: { SWARM_TICKET_ID: "T-nope" } })).workspace_id).toBe("default");
  });
});
