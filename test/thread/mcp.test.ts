import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { MethodDef } from "../../protocol/method.js";
import * as m from "../../protocol/methods/thread.js";
import type { Thread } from "../../protocol/thread/model.js";
import { connectDaemon } from "../../client/index.js";
import { deadlineMs, SWARMCTL, startDaemon, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { rpc } from "./helpers.js";

/** The bridge's tools and the methods they call: the result of each is checked against the method's result schema. */
const TOOL_METHODS: Record<string, MethodDef> = {
  create_thread: m.threadCreate,
  get_thread: m.threadGet,
  post_message: m.threadPost,
  read_messages: m.threadRead,
  ack_read: m.threadAck,
  update_thread_status: m.threadStatus,
  summarize_thread: m.threadSummarize,
  heartbeat_session: m.sessionHeartbeat,
  trigger_participant: m.threadTrigger,
};

interface Bridge {
  client: Client;
  errors: Error[];
  stderr: () => string;
  call<R>(tool: string, args: Record<string, unknown>): Promise<R>;
  raw(tool: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Spawns `node bin/swarmctl.js mcp` as the SDK's own stdio client does. */
async function bridge(env: NodeJS.ProcessEnv, extraArgs: string[] = []): Promise<Bridge> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SWARMCTL, ...extraArgs, "mcp"],
    env: env as Record<string, string>,
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: "swarm-test", version: "1.0.0" });
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  const raw = async (tool: string, args: Record<string, unknown>) => (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
  return {
    client,
    errors,
    stderr: () => err,
    raw,
    async call<R>(tool: string, args: Record<string, unknown>) {
      const r = await raw(tool, args);
      expect(r.isError, `${tool}: ${JSON.stringify(r.content)}`).toBeFalsy();
      const schema = TOOL_METHODS[tool]!.result as z.ZodType;
      const parsed = schema.safeParse(r.structuredContent);
      expect(parsed.success, `${tool} result: ${parsed.error?.message}`).toBe(true);
      expect(JSON.parse((r.content[0] as { text: string }).text)).toEqual(r.structuredContent);
      return r.structuredContent as R;
    },
    close: () => client.close(),
  };
}

const textOf = (r: CallToolResult): string => (r.content[0] as { text: string }).text;

describe("swarmctl mcp", () => {
  let d: TestDaemon;
  let b: Bridge;
  let seedThread: Thread;
  beforeAll(async () => {
    d = await startDaemon();
    const c = await d.client();
    seedThread = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "seeded", participants: [{ agent_id: "mcp-agent" }, { agent_id: "peer" }] }))
      .thread;
    const { token } = await rpc<{ token: string }>(c, "agent.token_mint", { agent_id: "mcp-agent", session_id: "s-mcp" });
    b = await bridge({ ...d.env, SWARM_AGENT_TOKEN: token });
  });
  afterAll(async () => {
    await b?.close();
    await d.stop();
  });

  it("lists every tool, with input schemas from protocol/ minus auth", async () => {
    const { tools } = await b.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(TOOL_METHODS).sort());
    for (const t of tools) {
      const props = Object.keys(t.inputSchema.properties ?? {});
      expect(props, t.name).not.toContain("auth");
      expect(t.description, t.name).toContain(TOOL_METHODS[t.name]!.summary);
    }
    const post = tools.find((t) => t.name === "post_message")!;
    expect(Object.keys(post.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(["id", "body", "kind", "in_reply_to", "idempotency_key"]));
    expect(post.inputSchema.required).toEqual(expect.arrayContaining(["id", "body"]));
  });

  it("calls every tool as the token's agent; results match the methods' result schemas", async () => {
    const created = await b.call<{ thread: Thread }>("create_thread", { title: "via mcp", participants: [{ agent_id: "peer", role: "reviewer" }] });
    const id = created.thread.id;
    expect(created.thread.created_by).toBe("mcp-agent");
    expect(created.thread.participants.map((p) => p.agent_id)).toEqual(["mcp-agent", "peer"]);
    expect((await b.call<Thread>("get_thread", { id })).title).toBe("via mcp");
    const posted = await b.call<{ message: { seq: number; author: string } }>("post_message", { id, body: "hello from mcp" });
    expect(posted.message).toMatchObject({ seq: 1, author: "mcp-agent" });
    await rpc(await d.client(), "thread.post", { id, body: "operator reply", in_reply_to: 1 });
    const read = await b.call<{ messages: { seq: number; body: string }[]; unread: number }>("read_messages", { id });
    // from the agent's cursor: its own post does not count as unread
    expect(read.messages.map((x) => x.body)).toEqual(["operator reply"]);
    expect(read.unread).toBe(1);
    const all = await b.call<{ messages: { seq: number }[] }>("read_messages", { id, since: 0 });
    expect(all.messages.map((x) => x.seq)).toEqual([1, 2]);
    expect(await b.call("ack_read", { id })).toEqual({ last_read_seq: 2, unread: 0, moved: true });
    expect(await b.call<Thread>("update_thread_status", { id, to: "waiting" })).toMatchObject({ status: "waiting" });
    expect(await b.call("summarize_thread", { id, text: "said hello" })).toMatchObject({ summary: "said hello", counts: { message: 2 } });
    expect(await b.call("heartbeat_session", { runtime_kind: "claude", resumable: true })).toMatchObject({
      agent_id: "mcp-agent",
      session_id: "s-mcp",
      runtime_kind: "claude",
    });
    expect(await b.call("trigger_participant", { id, participant: "peer", reason: "review please" })).toMatchObject({
      status: "queued",
      participants: ["peer"],
    });
    const { events } = await rpc<{ events: { type: string; data: Record<string, unknown> }[] }>(await d.client(), "event.list", { since: 0, limit: 1000 });
    expect(events.find((e) => e.type === "thread.trigger_requested")?.data).toMatchObject({ id, participants: ["peer"], by: "mcp-agent" });
    expect(b.errors).toEqual([]);
  });

  it("a retried post with the same idempotency key returns the same seq", async () => {
    const first = await b.call<{ message: { seq: number }; created: boolean }>("post_message", { id: seedThread.id, body: "once", idempotency_key: "retry-1" });
    const again = await b.call<{ message: { seq: number }; created: boolean }>("post_message", { id: seedThread.id, body: "once", idempotency_key: "retry-1" });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, message: { seq: first.message.seq } });
    const { messages } = await rpc<{ messages: unknown[] }>(await d.client(), "thread.read", { id: seedThread.id });
    expect(messages).toHaveLength(1);
  });

  it("a daemon refusal is a tool error naming its kind and reason (not a protocol failure)", async () => {
    const r = await b.raw("post_message", { id: seedThread.id, body: "as someone else", as: "peer" });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^PERMISSION_DENIED: as "peer" does not match the token's agent_id "mcp-agent"/);
    const bad = await b.raw("get_thread", { id: "not-a-thread" });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/thread ids look like th-1/);
  });

  it("refuses every call with a bad or absent token, with a clear tool error", async () => {
    const tampered = await bridge({ ...d.env, SWARM_AGENT_TOKEN: "eyJhbGciOiJFZERTQSJ9.eyJhZ2VudF9pZCI6Im1hbGxvcnkifQ.c2lnbmF0dXJl" });
    const absent = await bridge({ ...d.env });
    try {
      const r1 = await tampered.raw("get_thread", { id: seedThread.id });
      expect(r1.isError).toBe(true);
      expect(textOf(r1)).toMatch(/^PERMISSION_DENIED: /);
      expect(textOf(r1)).toMatch(/"reason_code":"(malformed|wrong_key|bad_signature)"/);
      const r2 = await absent.raw("read_messages", { id: seedThread.id });
      expect(r2.isError).toBe(true);
      expect(textOf(r2)).toMatch(/SWARM_AGENT_TOKEN is not set/);
      expect(textOf(r2)).toMatch(/swarmctl agent token AGENT/);
      expect(absent.stderr()).toMatch(/SWARM_AGENT_TOKEN is not set/);
    } finally {
      await tampered.close();
      await absent.close();
    }
  });
});

describe("swarmctl mcp without a daemon", () => {
  it("answers the MCP handshake at once and, with --no-autostart, reports the missing daemon as a tool error", async () => {
    const h = tempHome();
    const b = await bridge({ ...h.env, SWARM_AGENT_TOKEN: "x".repeat(40) }, ["--no-autostart"]);
    try {
      expect((await b.client.listTools()).tools).toHaveLength(Object.keys(TOOL_METHODS).length);
      const r = await b.raw("get_thread", { id: "th-1" });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/^UNAVAILABLE: swarmd is not running/);
      expect(b.errors).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it("without --no-autostart starts swarmd as swarmctl does, saying so on stderr and nothing on stdout", async () => {
    const h = tempHome();
    const b = await bridge({ ...h.env, SWARM_AGENT_TOKEN: "x".repeat(40) });
    try {
      const r = await b.raw("get_thread", { id: "th-1" });
      // the daemon answered: it refused the token (a malformed one), so it was started
      expect(textOf(r)).toMatch(/^PERMISSION_DENIED: /);
      expect(b.stderr()).toMatch(/swarmd is not running on .*; starting it/);
      expect(b.errors).toEqual([]);
    } finally {
      await b.close();
      const c = await connectDaemon(h.paths, { autostart: false }).catch(() => null);
      if (c) {
        const { pid } = await c.call("daemon.shutdown", {});
        c.close();
        await waitFor("the autostarted swarmd to exit", () => !alive(pid), deadlineMs(15_000));
      }
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
