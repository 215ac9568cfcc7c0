import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Thread } from "../../protocol/thread/model.js";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { mintAgent, type PostResult, rpc } from "./helpers.js";

let d: TestDaemon;
let c: RpcClient;
beforeAll(async () => {
  d = await startDaemon({ config: { threads: { rate_limit: { messages_per_minute: 100000, burst: 100000 } } } });
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
});

const create = async (params: Record<string, unknown>) => (await rpc<{ thread: Thread }>(c, "thread.create", params)).thread;

describe("thread messages", () => {
  it("seq is strictly monotonic with no gaps under 8 concurrent writer connections", async () => {
    const writers = Array.from({ length: 8 }, (_, i) => `w${i}`);
    const t = await create({ title: "burst", participants: writers.map((agent_id) => ({ agent_id })) });
    const perWriter = 40;
    const acked = await Promise.all(
      writers.map(async (w) => {
        const wc = await d.client();
        const a = await mintAgent(wc, w);
        const seqs: number[] = [];
        for (let i = 0; i < perWriter; i++) seqs.push((await a.call<PostResult>("thread.post", { id: t.id, body: `${w} ${i}`, progress: true })).message.seq);
        return seqs;
      }),
    );
    for (const seqs of acked) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const all = acked.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 8 * perWriter }, (_, i) => i + 1));
    const read = await rpc<{ messages: { seq: number; author: string }[] }>(c, "thread.read", { id: t.id, limit: 10000 });
    expect(read.messages.map((m) => m.seq)).toEqual(all);
  });

  it("100 retried posts with one idempotency key make one message", async () => {
    const t = await create({ title: "retries", participants: [{ agent_id: "r1" }] });
    const a = await mintAgent(c, "r1");
    const results = await Promise.all(Array.from({ length: 100 }, () => a.call<PostResult>("thread.post", { id: t.id, body: "once", idempotency_key: "k-1" })));
    expect(new Set(results.map((r) => r.message.seq))).toEqual(new Set([1]));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const read = await rpc<{ messages: unknown[]; last_seq: number }>(c, "thread.read", { id: t.id });
    expect(read.messages).toHaveLength(1);
    expect(read.last_seq).toBe(1);
    const e = await errOf(a.call("thread.post", { id: t.id, body: "something else", idempotency_key: "k-1" }));
    expect(e.kind).toBe("CONFLICT");
  });

  it("cursors and unread counts: reads do not move them, acks do, never backwards", async () => {
    const t = await create({
      title: "cursors",
      participants: [
        { agent_id: "ca", role: "executor" },
        { agent_id: "cb", role: "reviewer" },
      ],
    });
    const a = await mintAgent(c, "ca");
    const b = await mintAgent(c, "cb");
    for (let i = 1; i <= 3; i++) await a.call("thread.post", { id: t.id, body: `a${i}`, progress: true });
    await b.call("thread.post", { id: t.id, body: "b1" });
    const unread = (th: Thread, who: string) => th.participants.find((p) => p.agent_id === who)!.unread;
    let th = await rpc<Thread>(c, "thread.get", { id: t.id });
    expect([unread(th, "ca"), unread(th, "cb")]).toEqual([1, 3]);
    expect(th.participants.map((p) => p.role)).toEqual(["executor", "reviewer"]);
    const r1 = await b.call<{ messages: { seq: number }[]; unread: number }>("thread.read", { id: t.id });
    expect(r1.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(r1.unread).toBe(3);
    expect((await b.call<{ unread: number }>("thread.ack", { id: t.id, seq: 2 })).unread).toBe(1);
    const r2 = await b.call<{ messages: { seq: number }[] }>("thread.read", { id: t.id });
    expect(r2.messages.map((m) => m.seq)).toEqual([3, 4]);
    const back = await b.call<{ last_read_seq: number; moved: boolean }>("thread.ack", { id: t.id, seq: 1 });
    expect(back).toMatchObject({ last_read_seq: 2, moved: false });
    expect((await b.call<{ unread: number }>("thread.ack", { id: t.id })).unread).toBe(0);
    th = await b.call<Thread>("thread.get", { id: t.id });
    expect(th.unread).toBe(0);
    expect((await errOf(b.call("thread.ack", { id: t.id, seq: 99 }))).kind).toBe("INVALID_ARGUMENT");
    const list = await a.call<{ threads: Thread[] }>("thread.list", {});
    expect(list.threads.map((x) => x.id)).toEqual([t.id]);
    expect(list.threads[0]!.unread).toBe(1);
  });

  it("the thread a post returns is the thread as thread.get shows it right after (seq, turns, cursors, unread per participant)", async () => {
    const t = await create({ title: "returned", participants: [{ agent_id: "ra" }, { agent_id: "rb" }, { agent_id: "rc" }] });
    const a = await mintAgent(c, "ra");
    const b = await mintAgent(c, "rb");
    const steps: [typeof a | null, Record<string, unknown>][] = [
      [a, { body: "a1" }],
      [b, { body: "b1", progress: true }],
      [a, { body: "a2" }],
      [null, { body: "op", as: "rc" }],
      [null, { body: "op2" }],
      [b, { body: "b2", kind: "finding" }],
    ];
    for (const [who, params] of steps) {
      const r = who ? await who.call<PostResult>("thread.post", { id: t.id, ...params }) : await rpc<PostResult>(c, "thread.post", { id: t.id, ...params });
      const reader = who ? who.id : ((params.as as string | undefined) ?? "operator");
      const seen = who ? await who.call<Thread>("thread.get", { id: t.id }) : await rpc<Thread>(c, "thread.get", { id: t.id });
      if (!who && params.as) {
        // the operator posting as rc: the returned unread is rc's; thread.get without `as` shows the operator's
        expect(r.thread.unread).toBe(seen.participants.find((p) => p.agent_id === reader)!.unread);
        expect({ ...r.thread, unread: 0 }).toEqual({ ...seen, unread: 0 });
      } else expect(r.thread).toEqual(seen);
      expect(r.thread.last_seq).toBe(r.message.seq);
    }
    const last = await rpc<Thread>(c, "thread.get", { id: t.id });
    // only a caught-up author's cursor follows its post: ra was at 1 when it posted 3, the others never caught up
    expect(last.participants.map((p) => [p.agent_id, p.last_read_seq, p.unread])).toEqual([
      ["ra", 1, 4],
      ["rb", 0, 4],
      ["rc", 0, 5],
    ]);
    expect(last.no_progress_turns).toBe(1); // b2 after the operator's reset
  });

  it("in_reply_to must name an earlier message; posting to a closed thread is refused", async () => {
    const t = await create({ title: "replies" });
    await rpc(c, "thread.post", { id: t.id, body: "first" });
    const r = await rpc<PostResult>(c, "thread.post", { id: t.id, body: "second", in_reply_to: 1 });
    expect(r.message).toMatchObject({ seq: 2, in_reply_to: 1, author: "operator", schema_version: 1 });
    expect((await errOf(rpc(c, "thread.post", { id: t.id, body: "x", in_reply_to: 7 }))).kind).toBe("INVALID_ARGUMENT");
    await rpc(c, "thread.status", { id: t.id, to: "closed" });
    expect((await errOf(rpc(c, "thread.post", { id: t.id, body: "late" }))).kind).toBe("CONFLICT");
    expect((await rpc<{ last_seq: number }>(c, "thread.read", { id: t.id })).last_seq).toBe(2);
  });

  it("session.heartbeat records the session from the token", async () => {
    const a = await mintAgent(c, "hb");
    const s1 = await a.call<{ agent_id: string; session_id: string; last_heartbeat_at: string }>("session.heartbeat", {
      runtime: "rt1",
      runtime_kind: "claude",
      resumable: true,
    });
    expect(s1).toMatchObject({ agent_id: "hb", runtime: "rt1", runtime_kind: "claude", resumable: true });
    const s2 = await a.call<{ last_heartbeat_at: string; created_at: string }>("session.heartbeat", {});
    expect(s2.last_heartbeat_at >= s1.last_heartbeat_at).toBe(true);
    expect((await errOf(a.call("session.heartbeat", { session_id: "another" }))).details?.reason_code).toBe("claim_mismatch");
  });
});
