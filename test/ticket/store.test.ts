import { afterEach, describe, expect, it } from "vitest";
import { SwarmError } from "../../protocol/errors.js";
import { TICKET_STATES, type TicketState } from "../../protocol/methods/ticket.js";
import { TRANSITIONS } from "../../daemon/ticket/state-machine.js";
import { tempStore } from "./helpers/store.js";

let t: ReturnType<typeof tempStore>;
afterEach(() => t?.close());

function errOf(fn: () => unknown): SwarmError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SwarmError) return e;
    throw e;
  }
  throw new Error("expected a SwarmError");
}

/** Walks a fresh ticket into `state` through allowed transitions only. */
function ticketIn(state: TicketState): string {
  const s = t.store;
  const id = s.create({ title: `in ${state}` }).ticket.id; // ready (no deps)
  const paths: Record<TicketState, TicketState[]> = {
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
  for (const st of paths[state]) s.transition(id, st);
  expect(s.get(id).state).toBe(state);
  return id;
}

describe("ticket store", () => {
  it("every pair of states is allowed or rejected exactly as the table says", () => {
    t = tempStore();
    let allowed = 0;
    let rejected = 0;
    for (const from of TICKET_STATES) {
      for (const to of TICKET_STATES) {
        const id = ticketIn(from);
        if (TRANSITIONS[from].includes(to)) {
          expect(t.store.transition(id, to).state).toBe(to);
          allowed++;
        } else {
          const e = errOf(() => t.store.transition(id, to));
          expect(e.kind).toBe("INVALID_TRANSITION");
          expect(e.message).toContain(`from ${from} to ${to}`);
          expect(e.details).toEqual({ id, from, to, allowed: [...TRANSITIONS[from]] });
          expect(t.store.get(id).state).toBe(from);
          rejected++;
        }
      }
    }
    expect(allowed + rejected).toBe(TICKET_STATES.length ** 2);
    expect(allowed).toBeGreaterThan(10);
  });

  it("a ticket is ready only when all its dependencies are done; a join gets its parents' results", () => {
    t = tempStore();
    const s = t.store;
    const a = s.create({ title: "a" }).ticket;
    const b = s.create({ title: "b" }).ticket;
    const j = s.create({ title: "join", depends_on: [a.id, b.id] }).ticket;
    expect(a.state).toBe("ready");
    expect(j.state).toBe("backlog");
    expect(errOf(() => s.transition(j.id, "ready")).message).toMatch(/dependencies not done: t-1 \(ready\), t-2 \(ready\)/);
    for (const [id, out] of [
      [a.id, { n: 1 }],
      [b.id, { n: 2 }],
    ] as const) {
      s.transition(id, "claimed", { patch: { lease_owner: "w1", lease_expires_at: Date.now() + 1000, attempts: 1 } });
      expect(s.get(id).lease_owner).toBe("w1");
      s.transition(id, "running");
      s.transition(id, "done", { result: out });
      expect(s.get(id).lease_owner).toBeNull();
    }
    const join = s.get(j.id);
    expect(join.state).toBe("ready");
    expect(join.inputs).toEqual({ [a.id]: { n: 1 }, [b.id]: { n: 2 } });
    expect(s.history(j.id).map((h) => h.to)).toEqual(["backlog", "ready"]);
  });

  it("compare-and-set transitions, approval-gated done, body limit, bad and unknown ids", () => {
    t = tempStore(2048);
    const s = t.store;
    const x = s.create({ title: "x", requires_approval: true }).ticket;
    expect(errOf(() => s.transition(x.id, "running", { from: "claimed" })).kind).toBe("CONFLICT");
    s.transition(x.id, "claimed", { from: "ready" });
    s.transition(x.id, "running");
    const gated = errOf(() => s.transition(x.id, "done"));
    expect(gated.kind).toBe("INVALID_TRANSITION");
    expect(gated.message).toMatch(/requires approval/);
    expect(s.transition(x.id, "done", { approved: true }).state).toBe("done");
    const big = errOf(() => s.create({ title: "big", body: "x".repeat(4096) }));
    expect(big.kind).toBe("INVALID_ARGUMENT");
    expect(big.message).toMatch(/4096 bytes; the limit is 2048 \(tickets.max_body_bytes\)/);
    expect(errOf(() => s.get("../etc")).kind).toBe("INVALID_ARGUMENT");
    expect(errOf(() => s.get("t-999")).kind).toBe("NOT_FOUND");
    expect(errOf(() => s.create({ title: "d", depends_on: ["nope"] })).message).toMatch(/dependency nope .* does not exist/);
    expect(errOf(() => s.create({ id: x.id, title: "dup" })).kind).toBe("CONFLICT");
    expect(s.list().length).toBe(1); // nothing half-created by the failures above
  });

  it("a transition with `from` (written without reading first) refuses a stale state, the approval gate and an unknown id exactly as the checked path, writing nothing", () => {
    t = tempStore();
    const s = t.store;
    const x = s.create({ title: "cas" }).ticket;
    const before = { v: s.get(x.id).version, h: s.history(x.id).length, e: t.events.list(0, 100).length };
    const stale = errOf(() => s.transition(x.id, "running", { from: "claimed" }));
    expect(stale.kind).toBe("CONFLICT");
    expect(stale.message).toBe(`ticket ${x.id} is ready, not claimed`);
    expect(errOf(() => s.transition(x.id, "done", { from: "ready" })).kind).toBe("INVALID_TRANSITION"); // not in the table
    expect(errOf(() => s.transition("t-404", "claimed", { from: "ready" })).kind).toBe("NOT_FOUND");
    expect({ v: s.get(x.id).version, h: s.history(x.id).length, e: t.events.list(0, 100).length }).toEqual(before);
    const g = s.create({ title: "gated", requires_approval: true }).ticket;
    s.transition(g.id, "claimed", { from: "ready" });
    const v = s.get(g.id).version;
    const gated = errOf(() => s.transition(g.id, "done", { from: "claimed", via: { state: "running", reason: "worker started" } }));
    expect(gated.kind).toBe("INVALID_TRANSITION");
    expect(gated.message).toMatch(/requires approval/);
    expect(s.get(g.id)).toMatchObject({ state: "claimed", version: v });
    const done = s.transition(g.id, "done", { from: "claimed", via: { state: "running", reason: "worker started" }, approved: true });
    expect(done).toMatchObject({ state: "done", version: v + 2 });
    expect(
      s
        .history(g.id)
        .map((h) => h.to)
        .slice(-2),
    ).toEqual(["running", "done"]);
  });

  it("the same idempotency key returns the same ticket", () => {
    t = tempStore();
    const first = t.store.create({ title: "once", idempotency_key: "k1" });
    const again = t.store.create({ title: "once more", idempotency_key: "k1" });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.ticket.id).toBe(first.ticket.id);
    expect(t.store.list().length).toBe(1);
  });

  it("events are appended for each change and only when the transaction commits", () => {
    t = tempStore();
    const seen: string[] = [];
    t.events.subscribe((e) => seen.push(`${e.type}:${e.subject}`));
    const a = t.store.create({ title: "a" }).ticket;
    expect(seen).toEqual([`ticket.created:${a.id}`, `ticket.transitioned:${a.id}`]);
    expect(() =>
      t.store.tx(() => {
        t.store.transition(a.id, "claimed");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(t.store.get(a.id).state).toBe("ready");
    expect(seen.length).toBe(2);
    expect(t.events.list(0, 100).filter((e) => e.type.startsWith("ticket.")).length).toBe(2);
  });
});
