import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Thread } from "../../protocol/thread/model.js";
import { THREAD_EVENT_TYPES } from "../../protocol/thread/events.js";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { mintAgent, rpc } from "./helpers.js";

let d: TestDaemon;
let c: RpcClient;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
});

describe("thread lifecycle and its events", () => {
  it("every mutation emits its event; ticket links, summaries, manual escalation, override", async () => {
    const ticket = (await rpc<{ ticket: { id: string } }>(c, "ticket.submit", { title: "linked" })).ticket;
    expect((await errOf(rpc(c, "thread.create", { title: "bad link", ticket_id: "t-999" }))).kind).toBe("NOT_FOUND");
    const t = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "life", ticket_id: ticket.id, participants: [{ agent_id: "ex" }] })).thread;
    expect(t).toMatchObject({ ticket_id: ticket.id, status: "open", created_by: "operator" });
    const ex = await mintAgent(c, "ex");
    const co = await mintAgent(c, "co", { role: "coordinator" });
    const au = await mintAgent(c, "au", { role: "auditor" });
    await ex.call("session.heartbeat", { runtime: "ex-rt" });
    await ex.call("thread.post", { id: t.id, body: "hi" });
    await co.call("thread.post", { id: t.id, body: "coordinating" });
    expect((await rpc<Thread>(c, "thread.get", { id: t.id })).participants.map((p) => [p.agent_id, p.role])).toEqual([
      ["ex", "participant"],
      ["co", "coordinator"],
    ]);
    await ex.call("thread.ack", { id: t.id });
    expect(await ex.call("thread.trigger", { id: t.id, reason: "your turn" })).toMatchObject({ status: "queued", participants: ["co"] });
    const s = await ex.call<{ summary: string; counts: Record<string, number> }>("thread.summarize", { id: t.id, text: "ex said hi" });
    expect(s).toMatchObject({ summary: "ex said hi", counts: { message: 2 } });
    expect((await errOf(au.call("thread.summarize", { id: t.id, text: "rewrite" }))).details?.reason_code).toBe("role");
    expect((await au.call<{ summary: string }>("thread.summarize", { id: t.id })).summary).toBe("ex said hi");
    const esc = await ex.call<Thread>("thread.escalate", { id: t.id, reason: "need a decision" });
    expect(esc.escalation).toMatchObject({ kind: "manual", by: "ex", reason: "need a decision" });
    await rpc(c, "thread.status", { id: t.id, to: "blocked", reason: "pause" });
    await co.call("thread.unblock", { id: t.id, reason: "go on" });
    await rpc(c, "thread.status", { id: t.id, to: "closed" });
    const reopened = await rpc<Thread>(c, "thread.override", { id: t.id, to: "open", reason: "one more thing" });
    expect(reopened).toMatchObject({ status: "open", escalation: null });
    await rpc(c, "agent.revoke", { agent_id: "au", reason: "done" });

    const { events } = await rpc<{ events: { type: string; subject: string | null }[] }>(c, "event.list", { since: 0, limit: 10000 });
    const types = new Set(events.map((e) => e.type));
    for (const type of Object.keys(THREAD_EVENT_TYPES)) expect(types.has(type), type).toBe(true);
    const changes = events.filter((e) => e.type === "thread.status_changed" && e.subject === t.id);
    expect(changes).toHaveLength(4);
  });

  it("thread.status and thread.trigger with an idempotency_key: a retry returns the first result and does nothing again", async () => {
    const t = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "keyed", participants: [{ agent_id: "kx" }, { agent_id: "ky" }] })).thread;
    const kx = await mintAgent(c, "kx");
    const first = await kx.call<Thread>("thread.status", { id: t.id, to: "waiting", idempotency_key: "st-1" });
    expect(first.status).toBe("waiting");
    // the retry, even one asking for something else, is the first call's answer
    expect(await kx.call<Thread>("thread.status", { id: t.id, to: "disputed", idempotency_key: "st-1" })).toEqual(first);
    expect((await rpc<Thread>(c, "thread.get", { id: t.id })).status).toBe("waiting");
    const trig = await kx.call<{ event_id: number }>("thread.trigger", { id: t.id, reason: "look", idempotency_key: "tr-1" });
    expect(await kx.call("thread.trigger", { id: t.id, reason: "look", idempotency_key: "tr-1" })).toEqual(trig);
    const evs = (await rpc<{ events: { type: string; subject: string | null }[] }>(c, "event.list", { since: 0, limit: 10000 })).events.filter(
      (e) => e.subject === t.id,
    );
    expect(evs.filter((e) => e.type === "thread.status_changed")).toHaveLength(1);
    expect(evs.filter((e) => e.type === "thread.trigger_requested")).toHaveLength(1);
    // keys are the caller's own: another agent's same key is a call of its own
    const ky = await mintAgent(c, "ky");
    expect((await ky.call<Thread>("thread.status", { id: t.id, to: "open", idempotency_key: "st-1" })).status).toBe("open");
  });
});
