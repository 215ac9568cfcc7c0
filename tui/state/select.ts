import { TICKET_STATES_ORDER } from "./ticket-states.js";
import type { ApprovalSummary, EventRecord, Runtime, Thread, Ticket, TuiState, ViewId } from "./types.js";

/** Derived views of the state; pure, so views and key handlers agree on what row N is. */

const ENDED = new Set(["exited", "lost"]);

const matches = (text: string, filter: string) => filter === "" || text.toLowerCase().includes(filter.toLowerCase());

/** Live runtimes first (in start order), then the ended ones; filtered by name/agent/state. */
export function agentList(s: TuiState): Runtime[] {
  const f = s.ui.filter.agents;
  const rs = s.data.runtimes.filter((r) => matches(`${r.name} ${r.agent} ${r.state} ${r.environment ?? ""}`, f));
  return [...rs.filter((r) => !ENDED.has(r.state)), ...rs.filter((r) => ENDED.has(r.state))];
}

export function focusedAgent(s: TuiState): Runtime | undefined {
  const list = agentList(s);
  return list[Math.min(s.ui.cursor.agents, list.length - 1)];
}

/** Unread thread messages addressed to an agent (its participant cursors). */
export function unreadFor(threads: Thread[], agent: string): number {
  let n = 0;
  for (const t of threads) for (const p of t.participants) if (p.agent_id === agent) n += p.unread;
  return n;
}

/** The ticket an agent holds a lease on, if any. */
export function ticketOf(tickets: Ticket[], agent: string): Ticket | undefined {
  return tickets.find((t) => t.lease_owner === agent && (t.state === "claimed" || t.state === "running" || t.state === "review"));
}

/**
 * Ticket filter: words `label:X`, `ws:X` (workspace) and free text (title or id), all must match.
 */
export function ticketMatches(t: Ticket, filter: string): boolean {
  for (const word of filter.split(/\s+/).filter(Boolean)) {
    if (word.startsWith("label:")) {
      if (!t.labels.includes(word.slice(6))) return false;
    } else if (word.startsWith("ws:")) {
      if (t.workspace !== word.slice(3)) return false;
    } else if (!matches(`${t.id} ${t.title}`, word)) return false;
  }
  return true;
}

export interface BoardColumn {
  state: string;
  tickets: Ticket[];
}

/** One column per ticket state, in lifecycle order; empty columns are kept so keys are stable. */
export function board(s: TuiState): BoardColumn[] {
  const shown = s.data.tickets.filter((t) => ticketMatches(t, s.ui.filter.tickets));
  return TICKET_STATES_ORDER.map((state) => ({ state, tickets: shown.filter((t) => t.state === state).sort((a, b) => b.priority - a.priority) }));
}

export function selectedTicket(s: TuiState): Ticket | undefined {
  const col = board(s)[s.ui.column];
  return col?.tickets[Math.min(s.ui.cursor.tickets, col.tickets.length - 1)];
}

/** Tickets that wait for `id` (the other direction of depends_on). */
export function blocksOf(tickets: Ticket[], id: string): string[] {
  return tickets.filter((t) => t.depends_on.includes(id)).map((t) => t.id);
}

/** Pending approvals first (oldest first: the next to decide), then decided ones, newest first. */
export function approvalQueue(s: TuiState): ApprovalSummary[] {
  const f = s.ui.filter.approvals;
  const all = s.data.approvals.filter((a) => matches(`${a.id} ${a.ticket_id ?? ""} ${a.summary} ${a.state}`, f));
  const pending = all.filter((a) => a.state === "pending").sort((a, b) => a.requested_at.localeCompare(b.requested_at));
  return [...pending, ...all.filter((a) => a.state !== "pending")];
}

export function selectedApproval(s: TuiState): ApprovalSummary | undefined {
  const q = approvalQueue(s);
  return q[Math.min(s.ui.cursor.approvals, q.length - 1)];
}

export function threadList(s: TuiState): Thread[] {
  return s.data.threads.filter((t) => matches(`${t.id} ${t.title} ${t.status} ${t.workspace}`, s.ui.filter.threads));
}

export function selectedThread(s: TuiState): Thread | undefined {
  const l = threadList(s);
  return l[Math.min(s.ui.cursor.threads, l.length - 1)];
}

/** Events filter: `type:X` (prefix of the type), `subject:X`, and free text searched in the whole record. */
export function eventMatches(e: EventRecord, filter: string): boolean {
  for (const word of filter.split(/\s+/).filter(Boolean)) {
    if (word.startsWith("type:")) {
      if (!e.type.startsWith(word.slice(5))) return false;
    } else if (word.startsWith("subject:")) {
      if (e.subject !== word.slice(8)) return false;
    } else if (!matches(`${e.type} ${e.subject ?? ""} ${JSON.stringify(e.data)}`, word)) return false;
  }
  return true;
}

export function eventList(s: TuiState): EventRecord[] {
  return s.data.events.filter((e) => eventMatches(e, s.ui.filter.events));
}

export function envList(s: TuiState) {
  return s.data.envs.filter((e) => matches(`${e.name} ${e.provider} ${e.state} ${e.project}`, s.ui.filter.envs));
}

/** Something waiting on the person: where it is, and a line saying what. */
export interface NeedsYou {
  kind: "approval" | "agent" | "thread";
  label: string;
  view: ViewId;
  index: number;
}

export function needsYou(s: TuiState): NeedsYou[] {
  const out: NeedsYou[] = [];
  approvalQueue({ ...s, ui: { ...s.ui, filter: { ...s.ui.filter, approvals: "" } } }).forEach((a, i) => {
    if (a.state === "pending") out.push({ kind: "approval", label: `${a.id}${a.ticket_id ? ` (${a.ticket_id})` : ""}`, view: "approvals", index: i });
  });
  const agents = agentList({ ...s, ui: { ...s.ui, filter: { ...s.ui.filter, agents: "" } } });
  agents.forEach((r, i) => {
    if (r.state === "asking_approval" || r.state === "waiting_input") out.push({ kind: "agent", label: `${r.name} ${r.state}`, view: "agents", index: i });
  });
  s.data.threads.forEach((t, i) => {
    if (t.escalation || t.status === "blocked")
      out.push({ kind: "thread", label: `${t.id} ${t.escalation ? "escalated" : "blocked"}`, view: "threads", index: i });
  });
  return out;
}

/** The needs-you item after the current selection, wrapping around. */
export function nextNeedsYou(s: TuiState): NeedsYou | undefined {
  const items = needsYou(s);
  if (items.length === 0) return undefined;
  const cur = items.findIndex((n) => n.view === s.ui.view && n.index === s.ui.cursor[n.view]);
  return items[(cur + 1) % items.length];
}
