import { describe, expect, it } from "vitest";
import { initialState, MAX_EVENTS, reducer } from "../../tui/state/reducer.js";
import { approvalQueue, board, blocksOf, eventMatches, needsYou, nextNeedsYou, ticketMatches, unreadFor } from "../../tui/state/select.js";
import type { Action } from "../../tui/state/actions.js";
import type { TuiState } from "../../tui/state/types.js";
import { approval, DAEMON, event, runtime, thread, ticket } from "./fixtures.js";

const run = (...actions: Action[]): TuiState => actions.reduce(reducer, initialState);
const loaded = (patch: Partial<TuiState["data"]>): Action => ({ type: "data/loaded", patch });

describe("TUI reducers (pure, one action union)", () => {
  it("keeps events in order, drops repeats from a resumed stream, and caps the buffer", () => {
    let s = initialState;
    for (let i = 1; i <= MAX_EVENTS + 20; i++) s = reducer(s, { type: "data/event", event: event(i, "user.x") });
    s = reducer(s, { type: "data/event", event: event(5, "user.x") });
    expect(s.data.events).toHaveLength(MAX_EVENTS);
    expect(s.data.events[0]!.id).toBe(21);
    expect(s.data.lastEventId).toBe(MAX_EVENTS + 20);
  });

  it("tracks the connection: connects counted, error kept while away and cleared on reconnect", () => {
    let s = run({ type: "conn/connected", daemon: DAEMON, missing: [] });
    expect(s.conn).toMatchObject({ status: "connected", connects: 1 });
    s = reducer(s, { type: "conn/disconnected", error: "gone" });
    expect(s.conn).toMatchObject({ status: "disconnected", error: "gone" });
    s = reducer(s, { type: "conn/connected", daemon: { ...DAEMON, pid: 7 }, missing: ["threads"] });
    expect(s.conn).toMatchObject({ status: "connected", error: null, connects: 2, missing: ["threads"] });
    expect(s.conn.daemon?.pid).toBe(7);
  });

  it("returns the same state object for an action that changes nothing", () => {
    const s = run({ type: "ui/view", view: "tickets" });
    expect(reducer(s, { type: "ui/modal-input", value: "x" })).toBe(s);
  });

  it("drops the screen of a runtime that is no longer listed", () => {
    const s = run(
      loaded({ runtimes: [runtime("a"), runtime("b")] }),
      { type: "data/screen", name: "a", screen: { ansi: "x", cols: 2, rows: 1, at: 1 } },
      { type: "data/screen", name: "b", screen: { ansi: "y", cols: 2, rows: 1, at: 1 } },
      loaded({ runtimes: [runtime("b")] }),
    );
    expect(Object.keys(s.data.screens)).toEqual(["b"]);
  });

  it("moves the cursor within bounds, per view; a new view closes help and details and unzooms", () => {
    let s = run({ type: "ui/move", delta: 5, count: 3 });
    expect(s.ui.cursor.agents).toBe(2);
    s = reducer(s, { type: "ui/move", delta: -9, count: 3 });
    expect(s.ui.cursor.agents).toBe(0);
    s = run({ type: "ui/zoom", name: "a" }, { type: "ui/help" }, { type: "ui/detail", open: true }, { type: "ui/view", view: "tickets" });
    expect(s.ui).toMatchObject({ view: "tickets", zoomed: null, help: false, detail: false });
    s = reducer(s, { type: "ui/column", delta: 20, count: 9 });
    expect(s.ui.column).toBe(8);
  });

  it("prompt text edits only an open prompt; a filter resets that view's cursor", () => {
    let s = run(
      { type: "ui/modal", modal: { kind: "prompt", purpose: { kind: "filter", view: "events" }, label: "f", value: "" } },
      { type: "ui/modal-input", value: "ab" },
    );
    expect(s.ui.modal).toMatchObject({ value: "ab" });
    s = run({ type: "ui/select", view: "events", index: 4 }, { type: "ui/filter", view: "events", text: "type:x" });
    expect(s.ui.cursor.events).toBe(0);
    expect(s.ui.filter.events).toBe("type:x");
  });

  it("scroll is clamped to the content", () => {
    const s = run({ type: "ui/scroll", delta: 50, max: 10 });
    expect(s.ui.scroll).toBe(10);
    expect(reducer(s, { type: "ui/scroll", delta: -50, max: 10 }).ui.scroll).toBe(0);
  });
});

describe("TUI selectors", () => {
  it("board: a column per state in lifecycle order, by priority, filtered by label/workspace/text", () => {
    const s = run(loaded({ tickets: [ticket("t-1", { labels: ["ui"] }), ticket("t-2", { priority: 5, workspace: "w2" }), ticket("t-3", { state: "done" })] }));
    const cols = board(s);
    expect(cols.map((c) => c.state)).toEqual(["backlog", "ready", "claimed", "running", "review", "blocked", "done", "failed", "cancelled"]);
    expect(cols[1]!.tickets.map((t) => t.id)).toEqual(["t-2", "t-1"]);
    expect(ticketMatches(ticket("x", { labels: ["ui"] }), "label:ui")).toBe(true);
    expect(ticketMatches(ticket("x", { labels: ["ui"] }), "label:api")).toBe(false);
    expect(ticketMatches(ticket("x", { workspace: "w2" }), "ws:w2 ticket")).toBe(true);
    expect(blocksOf([ticket("a"), ticket("b", { depends_on: ["a"] })], "a")).toEqual(["b"]);
  });

  it("approval queue: pending oldest first, then decided", () => {
    const s = run(
      loaded({
        approvals: [
          approval("ap-3", { requested_at: "2026-12-03T12:03:00Z" }),
          approval("ap-2", { state: "approved" }),
          approval("ap-1", { requested_at: "2026-12-03T12:01:00Z" }),
        ],
      }),
    );
    expect(approvalQueue(s).map((a) => a.id)).toEqual(["ap-1", "ap-3", "ap-2"]);
  });

  it("needs-you lists pending approvals, waiting/asking agents and escalated or blocked threads; next wraps", () => {
    const s = run(
      loaded({
        approvals: [approval("ap-1")],
        runtimes: [runtime("a1", { state: "asking_approval" }), runtime("a2"), runtime("a3", { state: "waiting_input" })],
        threads: [thread("th-1"), thread("th-2", { escalation: { kind: "manual", reason: "r", by: "x", at: "t", seq: 1 } })],
      }),
    );
    const items = needsYou(s);
    expect(items.map((n) => n.label)).toEqual(["ap-1 (t-1)", "a1 asking_approval", "a3 waiting_input", "th-2 escalated"]);
    // the agents view's cursor is on a1, the second item: next is a3
    expect(nextNeedsYou(s)).toMatchObject({ view: "agents", index: 2 });
    const onFirst = reducer(s, { type: "ui/select", view: "approvals", index: 0 });
    expect(nextNeedsYou(onFirst)).toMatchObject({ view: "agents", index: 0 });
    const onLast = reducer(s, { type: "ui/select", view: "threads", index: 1 });
    expect(nextNeedsYou(onLast)).toMatchObject({ view: "approvals" });
  });

  it("events filter by type prefix, subject and free text; unread per agent sums its cursors", () => {
    expect(eventMatches(event(1, "runtime.state", "a1", { state: "idle" }), "type:runtime subject:a1 idle")).toBe(true);
    expect(eventMatches(event(1, "runtime.state", "a1"), "type:ticket")).toBe(false);
    expect(unreadFor([thread("th-1"), thread("th-2")], "a1")).toBe(4);
  });
});
