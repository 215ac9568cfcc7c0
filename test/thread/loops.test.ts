import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { AuditEntry } from "../../protocol/methods/audit.js";
import type { Thread } from "../../protocol/thread/model.js";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { mintAgent, type Agent, type PostResult, rpc } from "./helpers.js";

let d: TestDaemon;
let c: RpcClient;
let exec: Agent;
let rev: Agent;
beforeAll(async () => {
  d = await startDaemon({ config: { threads: { rate_limit: { messages_per_minute: 6000, burst: 1000 } } } });
  c = await d.client();
  exec = await mintAgent(c, "exec");
  rev = await mintAgent(c, "rev");
});
afterAll(async () => {
  await d?.stop();
});

const pair = async () =>
  (
    await rpc<{ thread: Thread }>(c, "thread.create", {
      title: "loop",
      participants: [
        { agent_id: "exec", role: "executor" },
        { agent_id: "rev", role: "reviewer" },
      ],
    })
  ).thread;

async function escalations(id: string): Promise<{ data: { kind: string; by: string } }[]> {
  const { events } = await rpc<{ events: { subject: string; data: { kind: string; by: string } }[] }>(c, "event.list", {
    since: 0,
    limit: 10000,
    types: ["thread.escalated"],
  });
  return events.filter((e) => e.subject === id);
}

describe("loop controls", () => {
  it("no progress: the 20th agent turn blocks the thread and escalates, the 19th does not", async () => {
    const t = await pair();
    let last: PostResult | undefined;
    for (let i = 1; i <= 19; i++) last = await (i % 2 ? exec : rev).call<PostResult>("thread.post", { id: t.id, body: `turn ${i}` });
    expect(last!.thread).toMatchObject({ status: "open", no_progress_turns: 19, escalation: null });
    expect(await escalations(t.id)).toHaveLength(0);
    last = await rev.call<PostResult>("thread.post", { id: t.id, body: "turn 20" });
    expect(last.created).toBe(true);
    expect(last.thread.status).toBe("blocked");
    expect(last.thread.escalation).toMatchObject({ kind: "no_progress", by: "policy" });
    expect((await escalations(t.id)).map((e) => e.data.kind)).toEqual(["no_progress"]);
    const { entries } = await rpc<{ entries: AuditEntry[] }>(c, "audit.list", { actor: "policy" });
    expect(entries.some((e) => e.action === "thread.auto_block" && e.subject === t.id && e.details.kind === "no_progress")).toBe(true);
    // Agents are held until someone unblocks; a participant cannot.
    expect((await errOf(exec.call("thread.post", { id: t.id, body: "more" }))).kind).toBe("CONFLICT");
    expect((await errOf(exec.call("thread.unblock", { id: t.id, reason: "please" }))).details?.reason_code).toBe("role");
    const un = await rpc<Thread>(c, "thread.unblock", { id: t.id, reason: "nudged them" });
    expect(un).toMatchObject({ status: "open", no_progress_turns: 0, escalation: null });
    await exec.call("thread.post", { id: t.id, body: "back to work" });
  });

  it("progress resets the count", async () => {
    const t = await pair();
    for (let i = 1; i <= 15; i++) await exec.call("thread.post", { id: t.id, body: `chat ${i}` });
    await rev.call("thread.post", { id: t.id, body: "tests pass now", kind: "status", progress: true });
    let r: PostResult | undefined;
    for (let i = 1; i <= 19; i++) r = await exec.call<PostResult>("thread.post", { id: t.id, body: `chat again ${i}` });
    expect(r!.thread).toMatchObject({ status: "open", no_progress_turns: 19 });
  });

  it("repeated finding: the 3rd cycle of the same finding blocks, not the 2nd; repeats within a cycle do not count", async () => {
    const t = await pair();
    const finding = (body: string) => rev.call<PostResult>("thread.post", { id: t.id, kind: "finding", body, progress: true });
    expect((await finding("The null check in parse() is missing.")).thread.status).toBe("open");
    expect((await finding("the NULL check in parse()  is missing")).thread.status).toBe("open"); // same cycle: nobody answered
    await exec.call("thread.post", { id: t.id, body: "fixed", progress: true });
    expect((await finding("The null check in parse() is missing!")).thread.status).toBe("open");
    await exec.call("thread.post", { id: t.id, body: "fixed, really", progress: true });
    const third = await finding("the null check in PARSE() is missing");
    expect(third.thread.status).toBe("blocked");
    expect(third.thread.escalation).toMatchObject({ kind: "repeated_finding", by: "policy" });
    const s = await rpc<{ findings: { cycles: number }[] }>(c, "thread.summarize", { id: t.id });
    expect(s.findings[0]!.cycles).toBe(3);
    // The system message that records it has the next seq.
    const read = await rpc<{ messages: { seq: number; kind: string; author: string }[] }>(c, "thread.read", { id: t.id });
    expect(read.messages.at(-1)).toMatchObject({ kind: "system", author: "system", seq: third.message.seq + 1 });
  });

  it("rate limit: past the burst an agent gets RESOURCE_EXHAUSTED with retry_after_ms; the operator is not limited", async () => {
    const d2 = await startDaemon({ config: { threads: { rate_limit: { messages_per_minute: 1, burst: 3 } } } });
    try {
      const c2 = await d2.client();
      const t = (await rpc<{ thread: Thread }>(c2, "thread.create", { title: "rate", participants: [{ agent_id: "fast" }] })).thread;
      const a = await mintAgent(c2, "fast");
      for (let i = 0; i < 3; i++) await a.call("thread.post", { id: t.id, body: `m${i}`, progress: true });
      const e = await errOf(a.call("thread.post", { id: t.id, body: "one too many" }));
      expect(e.kind).toBe("RESOURCE_EXHAUSTED");
      expect(e.details?.retry_after_ms).toBeGreaterThan(1000);
      for (let i = 0; i < 5; i++) await rpc(c2, "thread.post", { id: t.id, body: `op ${i}` });
      const { entries } = await rpc<{ entries: AuditEntry[] }>(c2, "audit.list", { outcome: "denied" });
      expect(entries.at(-1)).toMatchObject({ actor: "fast", action: "thread.post" });
    } finally {
      await d2.stop();
    }
  });
});
