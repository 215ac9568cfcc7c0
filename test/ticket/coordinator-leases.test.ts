import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CoordinatorConfig } from "../../protocol/config/coordinator.js";
import { EventLog } from "../../daemon/events/event-log.js";
import { nullLogger } from "../../daemon/log/logger.js";
import { openDatabase } from "../../daemon/store/db.js";
import { TicketStore } from "../../daemon/ticket/store.js";
import { LeaseBook } from "../../daemon/ticket/coordinator/leases.js";
import { backoffDelay, CircuitBreaker } from "../../daemon/ticket/coordinator/policy.js";

/** A real SQLite file with the real store; the clock is passed explicitly. */
function setup(over: Partial<CoordinatorConfig> = {}, file?: string) {
  const dbFile = file ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "swarm-coord-")), "swarm.db");
  const db = openDatabase(dbFile);
  const events = new EventLog(db, nullLogger());
  const store = new TicketStore(db, events, { maxBodyBytes: () => 1 << 20 });
  const cfg = CoordinatorConfig.parse({ backoff_jitter: 0, backoff_base_ms: 1000, ...over });
  const book = new LeaseBook(
    db,
    events,
    store,
    () => cfg,
    () => 0.5,
  );
  return { db, dbFile, events, store, book, cfg };
}

const errKind = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return `${(err as { kind?: string }).kind}: ${(err as Error).message}`;
  }
  return "no error";
};

describe("lease book", () => {
  it("complete without a heartbeat goes claimed → running → done in one write: both hops in history and events, version counts both", () => {
    const { store, book } = setup();
    const t = store.create({ title: "quick" }).ticket;
    const r = book.claim("w");
    const claimedVersion = r.lease!.ticket.version;
    const done = book.complete(t.id, r.lease!.lease, { ok: true }, []);
    expect(done.ticket.state).toBe("done");
    expect(done.ticket.version).toBe(claimedVersion + 2);
    expect(done.ticket.lease_owner).toBeNull();
    expect(done.ticket.result).toEqual({ ok: true });
    expect(store.get(t.id)).toEqual(done.ticket);
    expect(store.history(t.id).map((h) => `${h.from}>${h.to}:${h.reason}`)).toEqual([
      "null>backlog:created",
      "backlog>ready:dependencies done",
      "ready>claimed:claimed by w",
      "claimed>running:worker started",
      "running>done:completed by w (attempt 1)",
    ]);
    const evs = store.db.prepare("SELECT data FROM events WHERE type = 'ticket.transitioned' AND subject = ? ORDER BY id").all(t.id) as { data: string }[];
    expect(evs.map((e) => JSON.parse(e.data) as { from: string; to: string }).map((d) => `${d.from}>${d.to}`)).toEqual([
      "backlog>ready",
      "ready>claimed",
      "claimed>running",
      "running>done",
    ]);
  });

  it("claims by priority then age, and never hands one ticket to two claimers on two connections", () => {
    const a = setup({ max_concurrent: 1000 });
    const b = setup({ max_concurrent: 1000 }, a.dbFile); // a second connection to the same file
    for (let i = 0; i < 60; i++) a.store.create({ title: `t${i}`, priority: i === 30 ? 5 : 0 });
    const first = a.book.claim("w0");
    expect(first.lease?.ticket.title).toBe("t30");
    const got: string[] = [first.lease!.ticket.id];
    for (let i = 0; ; i++) {
      const r = (i % 2 ? a : b).book.claim(`w${i % 2}`);
      if (!r.lease) {
        expect(r.reason).toBe("no ready ticket");
        break;
      }
      got.push(r.lease.ticket.id);
    }
    expect(got.length).toBe(60);
    expect(new Set(got).size).toBe(60);
    const rows = a.db.prepare("SELECT COUNT(*) AS n FROM ticket_transitions WHERE to_state = 'claimed'").get() as { n: number };
    expect(rows.n).toBe(60);
  });

  it("respects the global and per-kind caps", () => {
    const { store, book } = setup({ max_concurrent: 3, per_kind: { claude: 1 } });
    for (let i = 0; i < 3; i++) store.create({ title: `c${i}`, agent_kind: "claude" });
    for (let i = 0; i < 4; i++) store.create({ title: `x${i}` });
    const c1 = book.claim("w", { kind: "claude" });
    expect(c1.lease?.agent_kind).toBe("claude");
    const c2 = book.claim("w", { kind: "claude" });
    expect(c2.lease).toBeNull();
    expect(c2.reason).toMatch(/claude: 1 leased \(coordinator.per_kind\)/);
    const any1 = book.claim("w");
    const any2 = book.claim("w");
    expect([any1.lease?.agent_kind, any2.lease?.agent_kind]).toEqual(["command", "command"]);
    const full = book.claim("w");
    expect(full.reason).toMatch(/all 3 slots are leased/);
    expect(book.leasedByKind()).toEqual({ claude: 1, command: 2 });
  });

  it("the global cap alone (no per-kind caps) refuses a claim naming the cap, and the refused claim leases nothing", () => {
    const { store, book } = setup({ max_concurrent: 1 });
    const a = store.create({ title: "a" }).ticket;
    const b = store.create({ title: "b" }).ticket;
    expect(book.claim("w").lease?.ticket.id).toBe(a.id);
    expect(book.claim("w")).toEqual({ lease: null, reason: "all 1 slots are leased (coordinator.max_concurrent)" });
    expect(book.claim("w", { kind: "command" }).reason).toMatch(/all 1 slots are leased/);
    expect(store.get(b.id)).toMatchObject({ state: "ready", attempts: 0, lease_owner: null });
    expect(book.lease(b.id)).toBeNull();
  });

  it("an expired lease returns the ticket to ready with attempts counted, and the old lease is stale", () => {
    const { store, book } = setup({ lease_ms: 1000 });
    const t = store.create({ title: "x" }).ticket;
    const now = Date.now();
    const l1 = book.claim("w1", { now }).lease!;
    expect(l1.ticket.attempts).toBe(1);
    book.heartbeat(t.id, l1.lease, 1000, now + 500);
    expect(store.get(t.id).state).toBe("running");
    expect(book.sweep(now + 1400)).toEqual([]); // renewed at +500: good until +1500
    const back = book.sweep(now + 1600);
    expect(back).toEqual([{ id: t.id, why: "lease expired", retry_at: now + 1600 + 1000 }]);
    const after = store.get(t.id);
    expect(after.state).toBe("ready");
    expect(after.attempts).toBe(1);
    expect(after.lease_owner).toBeNull();
    expect(after.state_reason).toMatch(/attempt 1\/3 failed: lease expired \(no heartbeat from w1\)/);
    expect(book.claim("w2", { now: now + 2000 }).reason).toBe("no ready ticket"); // backoff
    const l2 = book.claim("w2", { now: now + 2700 }).lease!;
    expect(l2.ticket.attempts).toBe(2);
    expect(errKind(() => book.complete(t.id, l1.lease, { late: true }, []))).toMatch(/^CONFLICT: stale lease on ticket .* re-leased \(attempt 2, w2\)/);
    expect(errKind(() => book.heartbeat(t.id, l1.lease))).toMatch(/^CONFLICT/);
    const done = book.complete(t.id, l2.lease, { ok: 1 }, ["tests"]);
    expect(done.ticket.state).toBe("done");
    expect(done.ticket.result).toEqual({ ok: 1 });
    expect(errKind(() => book.complete(t.id, l2.lease, { again: 1 }, []))).toMatch(/^CONFLICT: stale lease on ticket .*: the ticket is now done/);
  });

  it("retries with exponential backoff until max attempts, then fails; non-retryable fails at once", () => {
    const { store, book } = setup({ max_attempts: 3, backoff_base_ms: 100, backoff_max_ms: 250 });
    const t = store.create({ title: "flaky" }).ticket;
    let now = 1_000_000;
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const l = book.claim("w", { now }).lease!;
      const r = book.fail(t.id, l.lease, `boom ${i}`, true, now);
      if (r.retry_at !== null) {
        delays.push(r.retry_at - now);
        now = r.retry_at;
      }
    }
    expect(delays).toEqual([100, 200]);
    const final = store.get(t.id);
    expect(final.state).toBe("failed");
    expect(final.attempts).toBe(3);
    expect(final.state_reason).toMatch(/gave up after 3\/3 attempts: boom 2/);
    // A manual retry (failed → backlog) starts a new round of max_attempts; attempts keeps counting.
    store.transition(t.id, "backlog", { reason: "retry" });
    store.promote([t.id]);
    const again = book.claim("w", { now }).lease!;
    expect(again.ticket.attempts).toBe(4);
    expect(book.fail(t.id, again.lease, "still", true, now).ticket.state).toBe("ready");
    expect(store.get(t.id).state_reason).toMatch(/attempt 1\/3 failed: still/);
    const u = store.create({ title: "hopeless" }).ticket;
    const l = book.claim("w", { now }).lease!;
    expect(book.fail(u.id, l.lease, "bad input", false, now).ticket.state).toBe("failed");
    expect(store.get(u.id).state_reason).toMatch(/not retryable: bad input/);
  });

  it("times out a run past its deadline even while it heartbeats", () => {
    const { store, book } = setup({ lease_ms: 60_000 });
    const t = store.create({ title: "slow", timeout_ms: 5000, max_attempts: 1 }).ticket;
    const now = Date.now();
    const l = book.claim("w", { now }).lease!;
    expect(l.deadline).toBe(now + 5000);
    book.heartbeat(t.id, l.lease, 60_000, now + 4000);
    expect(book.sweep(now + 5001)).toEqual([{ id: t.id, why: "timed out", retry_at: null }]);
    expect(store.get(t.id).state).toBe("failed");
  });

  it("opens the breaker of a kind after N consecutive failures, half-opens after the cool-down", () => {
    const { store, book } = setup({ breaker_failures: 2, breaker_cooldown_ms: 10_000, max_attempts: 10, backoff_base_ms: 0 });
    for (let i = 0; i < 4; i++) store.create({ title: `g${i}`, agent_kind: "gemini" });
    store.create({ title: "other" });
    const now = Date.now();
    for (let i = 0; i < 2; i++) {
      const l = book.claim("w", { kind: "gemini", now }).lease!;
      book.fail(l.ticket.id, l.lease, "crashed", true, now);
    }
    const refused = book.claim("w", { kind: "gemini", now: now + 1 });
    expect(refused.lease).toBeNull();
    expect(refused.reason).toMatch(/gemini: circuit breaker open/);
    expect(book.claim("w", { now: now + 1 }).lease?.ticket.title).toBe("other"); // other kinds still flow
    const probe = book.claim("w", { kind: "gemini", now: now + 10_001 });
    expect(probe.lease).not.toBeNull();
    expect(book.claim("w", { kind: "gemini", now: now + 10_002 }).reason).toMatch(/half-open/);
    book.complete(probe.lease!.ticket.id, probe.lease!.lease, null, [], now + 10_003);
    expect(book.breakerStates(now + 10_004).find((b) => b.agent_kind === "gemini")?.state).toBe("closed");
    expect(book.claim("w", { kind: "gemini", now: now + 10_005 }).lease).not.toBeNull();
  });

  it("complete-and-claim hands the worker its next lease in the same transaction", () => {
    const { store, book, db } = setup({ max_concurrent: 1 });
    const a = store.create({ title: "a" }).ticket;
    const b = store.create({ title: "b" }).ticket;
    const l = book.claim("w").lease!;
    expect(l.ticket.id).toBe(a.id);
    const eventsBefore = (db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
    const r = book.completeAndClaim(a.id, l.lease, 1, [], {}); // the cap of 1 is free again once a is done
    expect(r.ticket.state).toBe("done");
    expect(r.next.lease?.ticket.id).toBe(b.id);
    expect(r.next.lease?.worker).toBe("w");
    expect((db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n).toBeGreaterThan(eventsBefore);
    const last = book.completeAndClaim(b.id, r.next.lease!.lease, 2, [], {});
    expect(last.next).toEqual({ lease: null, reason: "no ready ticket" });
    expect(errKind(() => book.completeAndClaim(b.id, r.next.lease!.lease, 3, [], {}))).toMatch(/^CONFLICT/);
  });

  it("a ticket that requires approval goes to review on completion", () => {
    const { store, book } = setup();
    const t = store.create({ title: "gated", requires_approval: true }).ticket;
    const l = book.claim("w").lease!;
    expect(book.complete(t.id, l.lease, { diff: "+1" }, []).ticket.state).toBe("review");
  });

  it("a cancelled ticket's lease is stale", () => {
    const { store, book } = setup();
    const t = store.create({ title: "c" }).ticket;
    const l = book.claim("w").lease!;
    store.transition(t.id, "cancelled", { reason: "operator" });
    expect(errKind(() => book.heartbeat(t.id, l.lease))).toMatch(/CONFLICT: stale lease .* now cancelled/);
    expect(errKind(() => book.complete("nope", "x", null, []))).toMatch(/^NOT_FOUND/);
  });
});

describe("policy", () => {
  it("backoff doubles, caps and jitters within ±jitter", () => {
    const o = { baseMs: 1000, maxMs: 8000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, o, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelay(3, o, () => 0)).toBe(2000);
    expect(backoffDelay(3, o, () => 0.999999)).toBe(6000);
  });

  it("a failed half-open probe re-opens the breaker", () => {
    const b = new CircuitBreaker(() => ({ threshold: 1, cooldownMs: 100 }));
    b.onFailure(0);
    expect(b.phase(50)).toBe("open");
    expect(b.allows(100)).toBe(true);
    b.onDispatch(100);
    expect(b.allows(101)).toBe(false);
    b.onFailure(102);
    expect(b.phase(150)).toBe("open");
    expect(b.phase(203)).toBe("half-open");
  });
});
