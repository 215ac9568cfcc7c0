import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { EventRecord } from "../../protocol/events.js";
import { CoordinatorConfig } from "../../protocol/config/coordinator.js";
import { EventLog } from "../../daemon/events/event-log.js";
import { createFileLogger } from "../../daemon/log/logger.js";
import { openDatabase, type Db } from "../../daemon/store/db.js";
import { LeaseBook } from "../../daemon/ticket/coordinator/leases.js";
import { TicketStore } from "../../daemon/ticket/store.js";

// Real SQLite file, real EventLog, TicketStore and LeaseBook, a real file logger; a second
// connection to the same file plays "another client" that can only see committed rows.

interface Setup {
  db: Db;
  other: Db;
  events: EventLog;
  store: TicketStore;
  book: LeaseBook;
  logFile: string;
  logLines: () => { msg: string; type?: string; error?: string }[];
  close: () => void;
}

let s: Setup | undefined;
afterEach(() => s?.close());

function setup(): Setup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-events-"));
  const file = path.join(dir, "swarm.db");
  const db = openDatabase(file);
  const logFile = path.join(dir, "swarmd.log");
  const events = new EventLog(db, createFileLogger(logFile, "info"));
  const store = new TicketStore(db, events, { maxBodyBytes: () => 1 << 20 });
  const cfg = CoordinatorConfig.parse({});
  const book = new LeaseBook(db, events, store, () => cfg);
  const other = new Database(file, { readonly: true });
  const logLines = () =>
    fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { msg: string })
      : [];
  return {
    db,
    other,
    events,
    store,
    book,
    logFile,
    logLines,
    close: () => {
      other.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What another connection sees of a ticket: only committed rows. */
function committedTicket(x: Setup, id: string): { state: string } | undefined {
  return x.other.prepare("SELECT state FROM tickets WHERE id = ?").get(id) as { state: string } | undefined;
}

function record(x: Setup): EventRecord[] {
  const seen: EventRecord[] = [];
  x.events.subscribe((ev) => seen.push(ev));
  return seen;
}

function expectStrictlyIncreasing(evs: EventRecord[]): void {
  for (let i = 1; i < evs.length; i++) expect(evs[i]!.id).toBeGreaterThan(evs[i - 1]!.id);
}

describe("events reach listeners only after their transaction commits", () => {
  it("a listener hears of a change only once another connection can see it, outside any transaction", () => {
    s = setup();
    const x = s;
    const checks: { type: string; inTx: boolean; visible: string | undefined }[] = [];
    x.events.subscribe((ev) => {
      if (ev.subject) checks.push({ type: ev.type, inTx: x.db.inTransaction, visible: committedTicket(x, ev.subject)?.state });
    });
    const parent = x.store.create({ title: "parent" }).ticket.id;
    const child = x.store.create({ title: "child", depends_on: [parent] }).ticket.id;
    x.store.transition(parent, "claimed");
    x.store.transition(parent, "running");
    x.store.transition(parent, "done"); // promotes the child in the same transaction
    expect(checks.length).toBeGreaterThanOrEqual(7);
    for (const c of checks) expect(c.inTx).toBe(false);
    // When "child moved to ready" is heard, that state is already committed.
    expect(checks.filter((c) => c.type === "ticket.transitioned").map((c) => c.visible)).toContain("ready");
    expect(committedTicket(x, child)?.state).toBe("ready");
  });

  it("a rolled-back transaction delivers nothing, leaves no ticket and no event row", () => {
    s = setup();
    const x = s;
    const seen = record(x);
    const before = x.events.lastId();
    expect(() =>
      x.store.tx(() => {
        x.store.create({ id: "doomed", title: "doomed" });
        x.store.transition("doomed", "claimed");
        throw new Error("roll back");
      }),
    ).toThrow("roll back");
    expect(seen).toEqual([]);
    expect(x.store.find("doomed")).toBeNull();
    expect(x.events.list(before, 100)).toEqual([]);

    // A lease claimed inside a transaction that rolls back is never heard of either.
    x.store.create({ id: "t-claim", title: "to claim" });
    seen.length = 0;
    expect(() =>
      x.store.tx(() => {
        expect(x.book.claim("w1").lease?.ticket.id).toBe("t-claim");
        throw new Error("worker vanished");
      }),
    ).toThrow("worker vanished");
    expect(seen).toEqual([]);
    expect(x.store.get("t-claim").state).toBe("ready");
  });

  it("an inner transaction that fails and is caught undoes only its own writes and events", () => {
    s = setup();
    const x = s;
    const seen = record(x);
    x.store.tx(() => {
      x.store.create({ id: "kept", title: "kept" });
      try {
        x.store.tx(() => {
          x.store.create({ id: "undone", title: "undone" });
          throw new Error("inner fails");
        });
      } catch {
        // the caller carries on
      }
      expect(seen).toEqual([]); // nothing heard before the outer commit
    });
    expect(x.store.find("undone")).toBeNull();
    expect(x.store.get("kept").state).toBe("ready");
    expect(seen.map((e) => [e.type, e.subject])).toEqual([
      ["ticket.created", "kept"],
      ["ticket.transitioned", "kept"],
    ]);
    expect(x.events.list(0, 100).map((e) => e.id)).toEqual(seen.map((e) => e.id));
  });

  it("a throwing listener changes nothing: the write commits, later listeners get every event, the error is logged once", () => {
    s = setup();
    const x = s;
    x.events.subscribe(() => {
      throw new Error("listener bug");
    });
    const seen = record(x);
    for (let i = 0; i < 5; i++) x.store.create({ id: `t-${i}`, title: `ticket ${i}` });
    for (let i = 0; i < 5; i++) expect(committedTicket(x, `t-${i}`)?.state).toBe("ready");
    expect(seen.filter((e) => e.type === "ticket.created").map((e) => e.subject)).toEqual(["t-0", "t-1", "t-2", "t-3", "t-4"]);
    expect(seen.map((e) => e.id)).toEqual(x.events.list(0, 100).map((e) => e.id)); // every committed event, once
    expectStrictlyIncreasing(seen);
    // Ten failures (created + promoted, five times), one log line: repeats are counted, not written.
    const threw = x.logLines().filter((l) => l.msg.startsWith("event listener threw"));
    expect(threw).toHaveLength(1);
    expect(threw[0]!.error).toContain("listener bug");
  });

  it("a listener that writes during delivery does not overtake events still being delivered", () => {
    s = setup();
    const x = s;
    // This listener reacts to a ticket by creating another (its own transaction, during delivery).
    x.events.subscribe((ev) => {
      if (ev.type === "ticket.created" && ev.subject === "first") x.store.create({ id: "reaction", title: "reaction" });
    });
    const seen = record(x);
    x.store.tx(() => {
      x.store.create({ id: "first", title: "first" });
      x.store.create({ id: "second", title: "second" });
    });
    expectStrictlyIncreasing(seen);
    expect(seen.filter((e) => e.type === "ticket.created").map((e) => e.subject)).toEqual(["first", "second", "reaction"]);
    expect(seen.map((e) => e.id)).toEqual(x.events.list(0, 100).map((e) => e.id));
  });

  it("appending inside a transaction opened around the Transactor is refused, naming the fix", () => {
    s = setup();
    const x = s;
    const seen = record(x);
    expect(() => x.db.transaction(() => x.events.append("user.raw", null, {}))()).toThrow(/not opened with Transactor\.run/);
    expect(() => x.db.transaction(() => x.store.create({ title: "raw" }))()).toThrow(/open every transaction with Transactor\.run/);
    expect(seen).toEqual([]);
    expect(x.events.lastId()).toBe(0);
  });
});
