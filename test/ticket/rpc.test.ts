import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { TICKET_STATES, type Ticket } from "../../protocol/methods/ticket.js";
import { TRANSITIONS } from "../../daemon/ticket/state-machine.js";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";

let d: TestDaemon;
let c: RpcClient;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
});

const submit = async (params: Record<string, unknown>) => (await c.call<{ ticket: Ticket; created: boolean }>("ticket.submit", params)).ticket;
const move = (id: string, to: string, extra: Record<string, unknown> = {}) => c.call<Ticket>("ticket.transition", { id, to, ...extra });

describe("tickets over RPC", () => {
  it("a sample of state pairs through the real daemon matches the table", async () => {
    // One allowed and one rejected target from every state reachable without approval.
    const reach: Record<string, string[]> = {
      ready: [],
      backlog: ["backlog"],
      claimed: ["claimed"],
      running: ["claimed", "running"],
      review: ["claimed", "running", "review"],
      done: ["claimed", "running", "done"],
      failed: ["claimed", "failed"],
      cancelled: ["cancelled"],
      blocked: ["blocked"],
    };
    for (const from of TICKET_STATES) {
      const rejected = TICKET_STATES.filter((s) => !TRANSITIONS[from].includes(s));
      const targets = [TRANSITIONS[from][0], rejected[rejected.length - 1]].filter((x) => x !== undefined);
      for (const to of targets) {
        const t = await submit({ title: `${from}->${to}` });
        for (const s of reach[from]!) await move(t.id, s);
        if (TRANSITIONS[from].includes(to)) {
          expect((await move(t.id, to)).state).toBe(to);
        } else {
          const e = await errOf(move(t.id, to));
          expect(e.kind).toBe("INVALID_TRANSITION");
          expect(e.message).toContain(`cannot go from ${from} to ${to}`);
          expect(e.details?.allowed).toEqual([...TRANSITIONS[from]]);
        }
      }
    }
  });

  it("dependencies: a back-edge is refused naming the cycle; the DAG edge is accepted", async () => {
    const a = await submit({ title: "a" });
    const b = await submit({ title: "b", depends_on: [a.id] });
    const cc = await submit({ title: "c", depends_on: [b.id] });
    expect(cc.state).toBe("backlog");
    const e = await errOf(c.call("ticket.deps", { id: a.id, add: [cc.id] }));
    expect(e.kind).toBe("INVALID_ARGUMENT");
    expect(e.message).toContain(`${a.id} → ${cc.id} → ${b.id} → ${a.id}`);
    expect(e.details?.cycle).toEqual([a.id, cc.id, b.id, a.id]);
    const r = await c.call<Ticket>("ticket.deps", { id: cc.id, remove: [b.id] });
    expect(r.depends_on).toEqual([]);
    expect(r.state).toBe("ready");
    const back = await c.call<Ticket>("ticket.deps", { id: cc.id, add: [b.id] });
    expect(back.state).toBe("backlog");
  });

  it("a workflow is created atomically and the join ticket receives its parents' results", async () => {
    const wf = await c.call<{ workflow: { id: string }; tickets: (Ticket & { key: string })[]; state: string }>("ticket.workflow_submit", {
      name: "fork-join",
      workspace: "proj-a",
      tickets: [
        { key: "join", title: "join", depends_on: ["left", "right"] },
        { key: "left", title: "left", depends_on: ["root"] },
        { key: "right", title: "right", depends_on: ["root"] },
        { key: "root", title: "root" },
      ],
    });
    const id = (k: string) => wf.tickets.find((t) => t.key === k)!.id;
    expect(wf.tickets.map((t) => t.workspace)).toEqual(["proj-a", "proj-a", "proj-a", "proj-a"]);
    expect(wf.state).toBe("pending");
    for (const [k, result] of [
      ["root", { r: 0 }],
      ["left", { side: "L" }],
      ["right", { side: "R" }],
    ] as const) {
      await move(id(k), "claimed");
      await move(id(k), "running");
      await move(id(k), "done", { result });
    }
    const join = await c.call<Ticket>("ticket.get", { id: id("join") });
    expect(join.state).toBe("ready");
    expect(join.inputs).toEqual({ [id("left")]: { side: "L" }, [id("right")]: { side: "R" } });
    const st = await c.call<{ state: string; counts: Record<string, number> }>("ticket.workflow", { id: wf.workflow.id });
    expect(st.counts).toEqual({ done: 3, ready: 1 });
    expect(st.state).toBe("running");

    const before = (await c.call<{ tickets: Ticket[] }>("ticket.list", {})).tickets.length;
    const bad = await errOf(
      c.call("ticket.workflow_submit", {
        tickets: [
          { key: "x", title: "x", depends_on: ["y"] },
          { key: "y", title: "y", depends_on: ["x"] },
          { key: "z", title: "z" },
        ],
      }),
    );
    expect(bad.message).toMatch(/cycle: (x → y → x|y → x → y)/);
    const bad2 = await errOf(
      c.call("ticket.workflow_submit", {
        tickets: [
          { key: "p", title: "p" },
          { key: "q", title: "q", body: "x".repeat(300 * 1024) },
        ],
      }),
    );
    expect(bad2.message).toMatch(/tickets.max_body_bytes/);
    expect((await c.call<{ tickets: Ticket[] }>("ticket.list", {})).tickets.length).toBe(before);
  });

  it("concurrent submits with one idempotency key create exactly one ticket", async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => d.client()));
    const results = await Promise.all(
      clients.flatMap((cl) =>
        Array.from({ length: 10 }, () => cl.call<{ ticket: Ticket; created: boolean }>("ticket.submit", { title: "once", idempotency_key: "same-key" })),
      ),
    );
    expect(new Set(results.map((r) => r.ticket.id)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBe(1);
    const wf1 = await c.call<{ workflow: { id: string }; created: boolean }>("ticket.workflow_submit", {
      idempotency_key: "wf-key",
      tickets: [{ key: "a", title: "a" }],
    });
    const wf2 = await c.call<{ workflow: { id: string }; created: boolean }>("ticket.workflow_submit", {
      idempotency_key: "wf-key",
      tickets: [{ key: "a", title: "a" }],
    });
    expect(wf2.workflow.id).toBe(wf1.workflow.id);
    expect(wf2.created).toBe(false);
  });

  it("bad input is refused with what was wrong", async () => {
    expect((await errOf(submit({ title: "" }))).kind).toBe("INVALID_ARGUMENT");
    const big = await errOf(submit({ title: "big", body: "y".repeat(300 * 1024) }));
    expect(big.message).toMatch(/body is 307200 bytes; the limit is 262144/);
    expect((await errOf(c.call("ticket.get", { id: "../../x" }))).kind).toBe("INVALID_ARGUMENT");
    expect((await errOf(c.call("ticket.get", { id: "t-99999" }))).kind).toBe("NOT_FOUND");
    expect((await errOf(move("t-1", "sideways"))).kind).toBe("INVALID_ARGUMENT");
    expect((await errOf(submit({ title: "x", depends_on: ["nope"] }))).kind).toBe("NOT_FOUND");
    const t = await submit({ title: "v" });
    await c.call("ticket.update", { id: t.id, title: "v2", version: t.version });
    expect((await errOf(c.call("ticket.update", { id: t.id, title: "v3", version: t.version }))).kind).toBe("CONFLICT");
  });
});
