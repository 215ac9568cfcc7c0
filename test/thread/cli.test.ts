import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message, Thread } from "../../protocol/thread/model.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";
import { rpc } from "./helpers.js";

/** Runs swarmctl against the daemon (never starting another) and parses --json stdout. */
async function json<T>(d: TestDaemon, args: string[]): Promise<T> {
  const r = await swarmctl(d.env, ["--no-autostart", "--json", ...args]);
  expect(r.code, `swarmctl ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe("swarmctl thread", () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d.stop();
  });

  it("create --json prints the thread with its id, participants and roles, and the ticket link", async () => {
    const { ticket } = await rpc<{ ticket: { id: string } }>(await d.client(), "ticket.submit", { title: "linked" });
    const t = await json<Thread>(d, [
      "thread",
      "create",
      "--title",
      "review T",
      "--participant",
      "exec:executor",
      "--participant",
      "rev",
      "--ticket",
      ticket.id,
    ]);
    expect(t.id).toMatch(/^th-\d+$/);
    expect(t).toMatchObject({ title: "review T", status: "open", ticket_id: ticket.id, last_seq: 0 });
    expect(t.participants.map((p) => [p.agent_id, p.role])).toEqual([
      ["exec", "executor"],
      ["rev", "participant"],
    ]);
    const human = await swarmctl(d.env, ["--no-autostart", "thread", "show", t.id]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${t.id}  open  review T`));
    expect(human.stdout).toMatch(/exec\s+executor\s+read 0/);
  });

  it("post --json prints the message with its seq; the same idempotency key prints the same message; read --since in seq order", async () => {
    const t = await json<Thread>(d, ["thread", "create", "--title", "posts", "--participant", "rev"]);
    const m1 = await json<Message>(d, ["thread", "post", t.id, "first", "--idempotency-key", "k-1"]);
    expect(m1).toMatchObject({ thread_id: t.id, seq: 1, author: "operator", kind: "message", body: "first", idempotency_key: "k-1" });
    const again = await json<Message>(d, ["thread", "post", t.id, "first", "--idempotency-key", "k-1"]);
    expect(again).toEqual(m1);
    const m2 = await json<Message>(d, ["thread", "post", t.id, "a problem", "--as", "rev", "--kind", "finding", "--reply-to", "1"]);
    expect(m2).toMatchObject({ seq: 2, author: "rev", kind: "finding", in_reply_to: 1 });
    await json<Message>(d, ["thread", "post", t.id, "third"]);
    const all = await json<{ messages: Message[] }>(d, ["thread", "read", t.id]);
    expect(all.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    const since = await json<{ messages: Message[] }>(d, ["thread", "read", t.id, "--since", "1"]);
    expect(since.messages.map((m) => [m.seq, m.body])).toEqual([
      [2, "a problem"],
      [3, "third"],
    ]);
    const human = await swarmctl(d.env, ["--no-autostart", "thread", "read", t.id]);
    expect(human.stdout).toMatch(/#2 ↳1 {2}rev \[finding\]/);
    const bad = await swarmctl(d.env, ["--no-autostart", "thread", "read", t.id, "--since", "x"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--since takes a message seq/);
  });

  it("ack, list, status, summary, inspect, escalate, unblock and override under --json", async () => {
    const t = await json<Thread>(d, ["thread", "create", "--title", "steer", "--participant", "rev"]);
    await json(d, ["thread", "post", t.id, "hello", "--as", "rev"]);
    await json(d, ["thread", "post", t.id, "again", "--as", "rev"]);
    expect(await json(d, ["thread", "ack", t.id, "1"])).toEqual({ last_read_seq: 1, unread: 1, moved: true });
    const list = await json<{ threads: Thread[] }>(d, ["thread", "list", "--participant", "rev"]);
    expect(list.threads.map((x) => x.id)).toContain(t.id);
    expect(list.threads.find((x) => x.id === t.id)?.unread).toBe(1);
    expect(await json<Thread>(d, ["thread", "status", t.id, "disputed"])).toMatchObject({ id: t.id, status: "disputed" });
    const s = await json<{ summary: string | null; counts: Record<string, number> }>(d, ["thread", "summary", t.id, "--text", "they disagree"]);
    expect(s).toMatchObject({ summary: "they disagree", counts: { message: 2 } });
    expect(await json<Thread>(d, ["thread", "escalate", t.id, "--reason", "look at this"])).toMatchObject({
      escalation: { kind: "manual", reason: "look at this" },
    });
    const inspect = await json<{ thread: Thread; messages: Message[] }>(d, ["thread", "inspect", t.id]);
    expect(inspect.thread.escalation?.kind).toBe("manual");
    expect(inspect.messages.map((m) => m.kind)).toEqual(["message", "message", "system"]);
    expect(await json(d, ["thread", "trigger", t.id, "--participant", "rev", "--reason", "your turn"])).toMatchObject({
      status: "queued",
      participants: ["rev"],
    });
    expect(await json<Thread>(d, ["thread", "status", t.id, "blocked"])).toMatchObject({ status: "blocked" });
    expect(await json<Thread>(d, ["thread", "unblock", t.id, "--reason", "go on"])).toMatchObject({ status: "open", escalation: null });
    expect(await json<Thread>(d, ["thread", "status", t.id, "closed"])).toMatchObject({ status: "closed" });
    expect(await json<Thread>(d, ["thread", "override", t.id, "--to", "open", "--reason", "reopen"])).toMatchObject({ status: "open" });
  });

  it("refuses an operator mutation that overrides policy without --reason, naming the flag", async () => {
    const t = await json<Thread>(d, ["thread", "create", "--title", "reasons"]);
    for (const args of [
      ["thread", "override", t.id, "--to", "closed"],
      ["thread", "unblock", t.id],
      ["thread", "escalate", t.id],
      ["agent", "revoke", "--agent", "rev"],
    ]) {
      const r = await swarmctl(d.env, ["--no-autostart", ...args]);
      expect(r.code, args.join(" ")).toBe(64);
      expect(r.stderr).toMatch(/--reason/);
      const j = await swarmctl(d.env, ["--no-autostart", "--json", ...args]);
      expect(JSON.parse(j.stderr)).toMatchObject({ error: { kind: "USAGE", message: expect.stringMatching(/--reason/) } });
    }
    expect((await json<Thread>(d, ["thread", "show", t.id])).status).toBe("open");
  });

  it("agent token prints a token that works as the agent's; agent revoke makes it fail", async () => {
    const t = await json<Thread>(d, ["thread", "create", "--title", "tokens", "--participant", "tok"]);
    const minted = await swarmctl(d.env, ["--no-autostart", "agent", "token", "tok", "--ttl", "5m"]);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token.split(".")).toHaveLength(3);
    expect(minted.stderr).toMatch(/token for tok \(participant, workspace default/);
    const c = await d.client();
    const post = (n: string) => rpc<{ message: Message }>(c, "thread.post", { id: t.id, body: "as tok", auth: { token, nonce: n } });
    expect((await post("nonce-0000000000001")).message.author).toBe("tok");
    expect(await json(d, ["agent", "revoke", "--agent", "tok", "--reason", "done"])).toEqual({ revoked: 1 });
    await expect(post("nonce-0000000000002")).rejects.toMatchObject({ kind: "PERMISSION_DENIED", details: { reason_code: "revoked" } });
  });
});

describe("swarmctl audit", () => {
  it("list --json, verify exits 0 on an intact log and non-zero naming the first edited row", async () => {
    const d = await startDaemon();
    const t = await json<Thread>(d, ["thread", "create", "--title", "audited"]);
    await json(d, ["thread", "escalate", t.id, "--reason", "one"]);
    await json(d, ["thread", "escalate", t.id, "--reason", "two"]);
    const list = await json<{ entries: { seq: number; action: string; reason: string | null }[] }>(d, ["audit", "list"]);
    expect(list.entries.map((e) => e.action)).toEqual(["thread.create", "thread.escalate", "thread.escalate"]);
    const since = await json<{ entries: { seq: number }[] }>(d, ["audit", "list", "--since", String(list.entries[0]!.seq)]);
    expect(since.entries.map((e) => e.seq)).toEqual(list.entries.slice(1).map((e) => e.seq));
    expect((await json<{ entries: unknown[] }>(d, ["audit", "list", "--since", "1h"])).entries).toHaveLength(3);
    const ok = await swarmctl(d.env, ["--no-autostart", "audit", "verify"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok: 3 row\(s\), chain intact/);

    await d.stop();
    const db = new Database(d.paths.database);
    db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
    db.prepare("UPDATE audit_log SET reason = 'edited' WHERE seq = ?").run(list.entries[1]!.seq);
    db.close();
    const d2 = await d.restart();
    try {
      const bad = await swarmctl(d2.env, ["--no-autostart", "audit", "verify"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(new RegExp(`row ${list.entries[1]!.seq} edited`));
      const badJson = await swarmctl(d2.env, ["--no-autostart", "--json", "audit", "verify"]);
      expect(badJson.code).toBe(1);
      expect(JSON.parse(badJson.stdout)).toMatchObject({ ok: false, problem: { seq: list.entries[1]!.seq, kind: "edited" } });
    } finally {
      await d2.stop();
    }
  });
});
