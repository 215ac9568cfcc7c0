import { parseDiff, fileJump } from "../render/diff.js";
import { bodyRows } from "../state/layout.js";
import { approvalQueue, board, envList, eventList, selectedApproval, selectedThread, selectedTicket, threadList } from "../state/select.js";
import type { ViewId } from "../state/types.js";
import type { Binding, KeyCtx } from "./types.js";

const ROW_KEYS = ["up", "down", "k", "j"];
const rowDelta = (key: string) => (key === "up" || key === "k" ? -1 : 1);

function listMove(view: ViewId, count: (c: KeyCtx) => number): Binding {
  return {
    context: view,
    keys: ROW_KEYS,
    description: "select the previous / next row",
    run: (c) => (c.dispatch({ type: "ui/move", delta: rowDelta(c.key), count: count(c) }), true),
  };
}

/** Lines the detail pane can scroll through in the current view. */
function detailLength(c: KeyCtx): number {
  const s = c.state;
  if (s.ui.view === "approvals") return s.data.approval ? parseDiff(s.data.approval.diff).lines.length : 0;
  if (s.ui.view === "threads") return (s.data.messages?.list.length ?? 0) * 3;
  return 200;
}

function scrollKeys(view: ViewId): Binding {
  return {
    context: view,
    keys: ["pageup", "pagedown", "space"],
    description: "scroll the detail pane",
    run: (c) => {
      const page = Math.max(1, bodyRows(c.size.rows) - 4);
      c.dispatch({ type: "ui/scroll", delta: c.key === "pageup" ? -page : page, max: detailLength(c) - 1 });
      return true;
    },
  };
}

const detailToggle = (view: ViewId, what: string): Binding => ({
  context: view,
  keys: ["enter"],
  description: `open / close ${what}`,
  run: (c) => (c.dispatch({ type: "ui/detail", open: !c.state.ui.detail }), true),
});

function prompt(c: KeyCtx, purpose: import("../state/types.js").PromptPurpose, label: string): boolean {
  c.dispatch({ type: "ui/modal", modal: { kind: "prompt", purpose, label, value: "" } });
  return true;
}

const TICKETS: Binding[] = [
  {
    context: "tickets",
    keys: ["left", "right", "h", "l"],
    description: "select the previous / next column",
    run: (c) => (c.dispatch({ type: "ui/column", delta: c.key === "left" || c.key === "h" ? -1 : 1, count: board(c.state).length }), true),
  },
  listMove("tickets", (c) => board(c.state)[c.state.ui.column]?.tickets.length ?? 0),
  detailToggle("tickets", "the ticket's details (result, bundle, dependencies)"),
  {
    context: "tickets",
    keys: ["N"],
    description: "submit a ticket: TITLE [#label…] [after:ID…] [ws:NAME]",
    run: (c) => prompt(c, { kind: "submit-ticket" }, "new ticket"),
  },
  {
    context: "tickets",
    keys: ["c"],
    description: "cancel the selected ticket (asks for a reason)",
    run: (c) => {
      const t = selectedTicket(c.state);
      return t ? prompt(c, { kind: "cancel-ticket", id: t.id }, `cancel ${t.id}: reason`) : true;
    },
  },
  {
    context: "tickets",
    keys: ["R"],
    description: "retry the selected failed/cancelled/blocked ticket",
    run: (c) => {
      const t = selectedTicket(c.state);
      if (t) c.dispatch({ type: "ui/modal", modal: { kind: "confirm", text: `retry ${t.id}?`, action: { kind: "retry-ticket", id: t.id } } });
      return true;
    },
  },
];

function decide(decision: "approve" | "reject" | "clarify", key: string, what: string): Binding {
  return {
    context: "approvals",
    keys: [key],
    description: `${what} the selected approval (asks for the reason)`,
    run: (c) => {
      const a = selectedApproval(c.state);
      return a ? prompt(c, { kind: "decide", decision, id: a.id }, `${decision} ${a.id}: reason`) : true;
    },
  };
}

const APPROVALS: Binding[] = [
  listMove("approvals", (c) => approvalQueue(c.state).length),
  detailToggle("approvals", "the diff viewer"),
  scrollKeys("approvals"),
  {
    context: "approvals",
    keys: ["]", "["],
    description: "jump to the next / previous file of the diff",
    run: (c) => {
      const files = c.state.data.approval ? parseDiff(c.state.data.approval.diff).files : [];
      const to = fileJump(files, c.state.ui.scroll, c.key === "]" ? 1 : -1);
      c.dispatch({ type: "ui/scroll", delta: to - c.state.ui.scroll, max: detailLength(c) - 1 });
      return true;
    },
  },
  decide("approve", "A", "approve"),
  decide("reject", "X", "reject"),
  decide("clarify", "C", "ask for clarification on"),
];

function withThread(c: KeyCtx, fn: (id: string) => boolean): boolean {
  const t = selectedThread(c.state);
  return t ? fn(t.id) : true;
}

const THREADS: Binding[] = [
  listMove("threads", (c) => threadList(c.state).length),
  detailToggle("threads", "the thread's messages"),
  scrollKeys("threads"),
  {
    context: "threads",
    keys: ["m"],
    description: "post a message as the operator",
    run: (c) => withThread(c, (id) => prompt(c, { kind: "post", thread: id }, `post in ${id}`)),
  },
  {
    context: "threads",
    keys: ["U"],
    description: "unblock the thread (asks for a reason)",
    run: (c) => withThread(c, (id) => prompt(c, { kind: "unblock", thread: id }, `unblock ${id}: reason`)),
  },
  {
    context: "threads",
    keys: ["O"],
    description: "override the thread's status: STATUS REASON…",
    run: (c) => withThread(c, (id) => prompt(c, { kind: "override", thread: id }, `override ${id}: STATUS REASON`)),
  },
];

const EVENTS: Binding[] = [
  {
    context: "events",
    keys: ROW_KEYS,
    description: "select an older / newer event (stops following)",
    run: (c) => {
      if (c.state.ui.follow) c.dispatch({ type: "ui/follow" });
      const count = eventList(c.state).length;
      const from = c.state.ui.follow ? count - 1 : c.state.ui.cursor.events;
      c.dispatch({ type: "ui/select", view: "events", index: Math.max(0, Math.min(count - 1, from + rowDelta(c.key))) });
      return true;
    },
  },
  { context: "events", keys: ["f"], description: "follow the newest events on / off", run: (c) => (c.dispatch({ type: "ui/follow" }), true) },
];

const ENVS: Binding[] = [listMove("envs", (c) => envList(c.state).length)];

export const LIST_BINDINGS: Binding[] = [...TICKETS, ...APPROVALS, ...THREADS, ...EVENTS, ...ENVS];
