import { describe, expect, it } from "vitest";
import { activeContexts, helpFor, KEYMAP, renderKeyTable, routeKey } from "../../tui/keys/keymap.js";
import { keyName } from "../../tui/keys/normalize.js";
import { parseStartLine, parseTicketLine } from "../../tui/keys/submit.js";
import type { Binding, Effects, KeyCtx } from "../../tui/keys/types.js";
import type { Action } from "../../tui/state/actions.js";
import { initialState, reducer } from "../../tui/state/reducer.js";
import type { TuiState } from "../../tui/state/types.js";
import { approval, runtime, thread, ticket } from "./fixtures.js";
import { TICKET_STATES_ORDER } from "../../tui/state/ticket-states.js";
import { userName } from "../../protocol/os.js";

const NO_KEY = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
};

/** Presses keys against a state; returns the state after and the effects asked for. */
function press(state: TuiState, ...keys: string[]) {
  const calls: { method: string; params: unknown }[] = [];
  const fx: Effects = {
    rpc: (method, params) => void calls.push({ method, params }),
    attach: (n) => void calls.push({ method: "attach", params: n }),
    quit: () => void calls.push({ method: "quit", params: null }),
  };
  let s = state;
  const consumed: boolean[] = [];
  for (const key of keys) {
    const text = key.length === 1 ? key : key === "space" ? " " : "";
    const ctx: KeyCtx = { key, text, isText: text !== "", state: s, dispatch: (a: Action) => (s = reducer(s, a)), fx, size: { cols: 120, rows: 40 } };
    consumed.push(routeKey(ctx));
  }
  return { state: s, calls, consumed };
}

const withAgents = reducer(initialState, { type: "data/loaded", patch: { runtimes: [runtime("a1"), runtime("a2"), runtime("a3")] } });

describe("keymap as data", () => {
  it("names keys the way the keymap is written", () => {
    expect(keyName("", { ...NO_KEY, upArrow: true })).toBe("up");
    expect(keyName("", { ...NO_KEY, tab: true, shift: true })).toBe("shift-tab");
    expect(keyName("\x7f", { ...NO_KEY, delete: true })).toBe("backspace");
    expect(keyName("c", { ...NO_KEY, ctrl: true })).toBe("ctrl-c");
    expect(keyName("K", { ...NO_KEY, shift: true })).toBe("K");
  });

  it("contexts in priority order: a modal alone; help, then zoom, then the view, then global", () => {
    expect(activeContexts(initialState)).toEqual(["agents", "global"]);
    const zoomedHelp = reducer(reducer(initialState, { type: "ui/zoom", name: "a1" }), { type: "ui/help" });
    expect(activeContexts(zoomedHelp)).toEqual(["help", "zoom", "agents", "global"]);
    expect(activeContexts(reducer(initialState, { type: "ui/modal", modal: { kind: "confirm", text: "?", action: { kind: "stop", runtime: "a" } } }))).toEqual([
      "modal",
    ]);
  });

  it("a handler that does not consume lets the next binding have the key", () => {
    const seen: string[] = [];
    const map: Binding[] = [
      { context: "agents", keys: ["z"], description: "first", run: () => (seen.push("first"), false) },
      { context: "global", keys: ["z"], description: "second", run: () => (seen.push("second"), true) },
    ];
    const ctx: KeyCtx = { key: "z", text: "z", isText: true, state: initialState, dispatch: () => {}, fx: {} as Effects, size: { cols: 80, rows: 24 } };
    expect(routeKey(ctx, map)).toBe(true);
    expect(seen).toEqual(["first", "second"]);
    expect(routeKey({ ...ctx, key: "w", text: "w" }, map)).toBe(false);
  });

  it("number keys switch views; tab cycles; q quits", () => {
    expect(press(initialState, "3").state.ui.view).toBe("approvals");
    expect(press(initialState, "tab", "tab").state.ui.view).toBe("approvals");
    expect(press(initialState, "shift-tab").state.ui.view).toBe("coordinator");
    expect(press(initialState, "q").calls).toEqual([{ method: "quit", params: null }]);
  });

  it("agents: move, zoom, attach, prompt-and-send, stop only after a yes", () => {
    let r = press(withAgents, "right", "enter");
    expect(r.state.ui).toMatchObject({ zoomed: "a2" });
    r = press(r.state, "escape", "a");
    expect(r.state.ui.zoomed).toBeNull();
    expect(r.calls).toEqual([{ method: "attach", params: "a2" }]);
    r = press(withAgents, "p", "h", "i", "space", "y", "n", "enter");
    expect(r.calls).toEqual([{ method: "runtime.send", params: { name: "a1", text: "hi yn" } }]);
    expect(r.state.ui.modal).toBeNull();
    r = press(withAgents, "x", "n");
    expect(r.calls).toEqual([]);
    // two panes across at 120x40: down moves one row of the grid, to a3
    r = press(withAgents, "down", "x", "y");
    expect(r.calls).toEqual([{ method: "runtime.stop", params: { name: "a3" } }]);
    r = press(withAgents, "K", "y");
    expect(r.calls).toEqual([{ method: "runtime.kill", params: { name: "a1" } }]);
  });

  it("tickets, approvals, threads and start: every action key reaches its method with what was typed", () => {
    const typed = (text: string) => [...text].map((ch) => (ch === " " ? "space" : ch));
    const loaded = reducer(initialState, {
      type: "data/loaded",
      patch: {
        tickets: [ticket("t-1", { state: "failed" })],
        approvals: [approval("ap-1")],
        threads: [thread("th-1", { status: "blocked" })],
      },
    });
    const on = (view: "tickets" | "approvals" | "threads" | "agents") => {
      const s = reducer(loaded, { type: "ui/view", view });
      // the board's selection is in t-1's column (failed)
      const failed = TICKET_STATES_ORDER.indexOf("failed");
      return view === "tickets" ? reducer(s, { type: "ui/column", delta: failed, count: TICKET_STATES_ORDER.length }) : s;
    };
    expect(press(on("tickets"), "N", ...typed("fix login #ui after:t-1"), "enter").calls).toEqual([
      { method: "ticket.submit", params: { title: "fix login", labels: ["ui"], depends_on: ["t-1"] } },
    ]);
    expect(press(on("tickets"), "c", ...typed("not needed"), "enter").calls).toEqual([
      { method: "ticket.cancel", params: { id: "t-1", reason: "not needed" } },
    ]);
    expect(press(on("tickets"), "R", "n").calls).toEqual([]);
    expect(press(on("tickets"), "R", "y").calls).toEqual([{ method: "ticket.retry", params: { id: "t-1" } }]);
    const clarify = press(on("approvals"), "C", "enter");
    expect(clarify.calls).toEqual([]); // a clarification needs its question
    expect(clarify.state.ui.flash?.text).toBe("clarify needs a reason");
    expect(press(on("approvals"), "C", ...typed("which API?"), "enter").calls).toEqual([
      { method: "approval.clarify", params: { id: "ap-1", actor: userName(), reason: "which API?" } },
    ]);
    expect(press(on("threads"), "U", ...typed("looked at it"), "enter").calls).toEqual([
      { method: "thread.unblock", params: { id: "th-1", reason: "looked at it" } },
    ]);
    const badOverride = press(on("threads"), "O", ...typed("nonsense why"), "enter");
    expect(badOverride.calls).toEqual([]);
    expect(badOverride.state.ui.modal?.kind).toBe("prompt"); // stays open with what was typed
    expect(press(on("threads"), "O", ...typed("open reopened by hand"), "enter").calls).toEqual([
      { method: "thread.override", params: { id: "th-1", to: "open", reason: "reopened by hand" } },
    ]);
    expect(press(on("agents"), "s", ...typed("w1 claude"), "enter").calls).toEqual([
      { method: "runtime.start", params: { name: "w1", agent: "claude", command: [] } },
    ]);
  });

  it("agents: attach or prompt on an agent that exited says what to do instead", () => {
    const ended = reducer(initialState, { type: "data/loaded", patch: { runtimes: [runtime("gone", { state: "exited" })] } });
    for (const key of ["a", "p"]) {
      const r = press(ended, key);
      expect(r.calls).toEqual([]);
      expect(r.state.ui.modal).toBeNull();
      expect(r.state.ui.flash?.text).toBe("gone has exited: s starts an agent; swarmctl runtime resume gone continues its session");
    }
  });

  it("a modal owns the keyboard: view keys type into it, Esc cancels", () => {
    const r = press(withAgents, "p", "q", "2", "escape");
    expect(r.calls).toEqual([]);
    expect(r.state.ui).toMatchObject({ view: "agents", modal: null });
  });

  it("approvals: reject needs a reason (the prompt stays open), approve does not", () => {
    const s = reducer(reducer(initialState, { type: "ui/view", view: "approvals" }), { type: "data/loaded", patch: { approvals: [approval("ap-1")] } });
    let r = press(s, "X", "enter");
    expect(r.calls).toEqual([]);
    expect(r.state.ui.modal).toMatchObject({ kind: "prompt" });
    expect(r.state.ui.flash?.text).toBe("reject needs a reason");
    r = press(r.state, "n", "o", "enter");
    expect(r.calls).toEqual([{ method: "approval.reject", params: { id: "ap-1", actor: userName(), reason: "no" } }]);
    r = press(s, "A", "enter");
    expect(r.calls).toEqual([{ method: "approval.approve", params: { id: "ap-1", actor: userName() } }]);
  });

  it("prompt lines parse into params", () => {
    expect(parseTicketLine("fix the bug #ui #p1 after:t-1 ws:w2")).toEqual({
      title: "fix the bug",
      labels: ["ui", "p1"],
      depends_on: ["t-1"],
      workspace: "w2",
    });
    expect(parseStartLine("w1 codex")).toEqual({ name: "w1", agent: "codex", command: [] });
    expect(parseStartLine("w2 -- node agent.js --fast")).toEqual({ name: "w2", agent: "custom", command: ["node", "agent.js", "--fast"] });
    expect(parseStartLine("  ")).toBeNull();
    expect(parseStartLine("tester scripted")).toEqual({ name: "tester", agent: "scripted", command: [] });
    expect(parseStartLine("tester scriptd")).toEqual({ error: expect.stringContaining("unknown agent kind scriptd: one of shell, claude") });
    expect(parseStartLine("w3 codex extra")).toEqual({ error: expect.stringContaining("not extra") });
  });

  it("help lists the keys of the current view before the global ones; the doc table has every context", () => {
    const help = helpFor(reducer(initialState, { type: "ui/view", view: "threads" }));
    expect(help[0]!.context).toBe("threads");
    expect(help.some((b) => b.context === "agents")).toBe(false);
    expect(help[help.length - 1]!.context).toBe("global");
    const table = renderKeyTable();
    for (const title of ["Everywhere", "Agents", "Agents, zoomed", "Tickets", "Approvals", "Threads", "Events", "Environments", "Prompts and questions"])
      expect(table).toContain(`### ${title}\n`);
    for (const b of KEYMAP.filter((k) => !k.description.startsWith("("))) expect(table).toContain(b.description);
  });
});
