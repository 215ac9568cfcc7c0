/**
 * Why the queue is not moving: plain sentences naming the config key or command that would
 * move it, for `coordinator status` and `ticket show`. Pure over the facts it is handed
 * (config, leases, breakers, host), so every reason is tested without a daemon.
 */
import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import type { Ticket } from "../../../protocol/methods/ticket.js";
import type { Db } from "../../store/db.js";

export interface QueueFacts {
  cfg: CoordinatorConfig;
  leasedByKind: Record<string, number>;
  breakers: { agent_kind: string; state: "closed" | "open" | "half-open"; open_until: number | null }[];
  host: { ok: boolean; reason: string | null };
  now: number;
}

/** Who in the daemon runs tickets of `kind`; null = nobody (only an external worker would). */
function runnerOf(kind: string, c: CoordinatorConfig): "agents" | "command" | null {
  if (c.agent_kinds.includes(kind)) return "agents";
  if (c.command && c.command_kinds.includes(kind)) return "command";
  return null;
}

/** What keeps a ready ticket of this kind and workspace from being claimed now; null = nothing (next in line). */
export function whyKindWaits(kind: string, workspace: string, f: QueueFacts): string | null {
  const c = f.cfg;
  const runner = runnerOf(kind, c);
  if (!runner) {
    const kinds = JSON.stringify([...c.agent_kinds, kind]);
    return `no agent kind configured for kind ${kind}: the daemon runs no ${kind} tickets (coordinator.agent_kinds is ${JSON.stringify(c.agent_kinds)}); add it with \`swarmctl config set coordinator.agent_kinds '${kinds}'\`, run \`swarmctl init\` in the repository, or run an external worker that claims kind ${kind}`;
  }
  if (runner === "agents" && !c.repos[workspace] && !c.repo) {
    return `no repository for workspace ${workspace}: set coordinator.repos.${workspace} (or coordinator.repo), e.g. by \`swarmctl init\` in the repository`;
  }
  const total = Object.values(f.leasedByKind).reduce((a, b) => a + b, 0);
  if (total >= c.max_concurrent) return `caps full: ${total} of ${c.max_concurrent} slots leased (coordinator.max_concurrent)`;
  const cap = c.per_kind[kind];
  if (cap !== undefined && (f.leasedByKind[kind] ?? 0) >= cap)
    return `caps full for kind ${kind}: ${f.leasedByKind[kind] ?? 0} of ${cap} leased (coordinator.per_kind.${kind})`;
  const b = f.breakers.find((x) => x.agent_kind === kind);
  if (b && b.state === "open") {
    return `breaker open for kind ${kind} after repeated failures, until ${new Date(b.open_until ?? f.now).toISOString()} (coordinator.breaker_cooldown_ms); see \`swarmctl ticket list --state failed\``;
  }
  if (!f.host.ok) return `host busy: ${f.host.reason}`;
  return null;
}

/** Why a ticket is where it is, when it is waiting for something; null when it is moving or finished. */
export function whyTicketWaits(t: Ticket, f: QueueFacts, deps: { id: string; state: string }[], approval: string | null): string | null {
  const kind = t.agent_kind ?? f.cfg.default_agent_kind;
  switch (t.state) {
    case "ready":
      if (t.not_before !== null && t.not_before > f.now) return `waiting for its retry backoff until ${new Date(t.not_before).toISOString()}`;
      return whyKindWaits(kind, t.workspace, f) ?? `next in line for kind ${kind}: it is claimed as soon as the coordinator runs (within coordinator.sweep_ms)`;
    case "backlog": {
      const open = deps.filter((d) => d.state !== "done");
      return open.length ? `waiting for dependencies: ${open.map((d) => `${d.id} (${d.state})`).join(", ")}` : "in the backlog";
    }
    case "review":
      return approval ? `waiting for approval ${approval}: swarmctl approval show ${approval}` : "waiting for approval: swarmctl approval list";
    case "blocked":
      return `blocked${t.state_reason ? `: ${t.state_reason}` : ""}`;
    default:
      return null;
  }
}

export interface QueueLine {
  agent_kind: string;
  workspace: string;
  ready: number;
  /** ready tickets still in their retry backoff */
  backing_off: number;
  reason: string | null;
}

/** Ready tickets by kind and workspace, each with what stops them (null = nothing). */
export function queueLines(db: Db, f: QueueFacts): QueueLine[] {
  const rows = db
    .prepare(
      `SELECT COALESCE(agent_kind, ?) AS kind, workspace, COUNT(*) AS n, SUM(CASE WHEN not_before > ? THEN 1 ELSE 0 END) AS later
       FROM tickets WHERE state = 'ready' GROUP BY kind, workspace ORDER BY kind, workspace`,
    )
    .all(f.cfg.default_agent_kind, f.now) as { kind: string; workspace: string; n: number; later: number }[];
  return rows.map((r) => ({
    agent_kind: r.kind,
    workspace: r.workspace,
    ready: r.n,
    backing_off: r.later,
    reason: whyKindWaits(r.kind, r.workspace, f) ?? (r.later === r.n ? "all waiting for their retry backoff" : null),
  }));
}

/** Tickets waiting in review for a human, with their pending approval. */
export function awaitingApproval(db: Db): { ticket: string; approval: string | null }[] {
  try {
    return db
      .prepare(
        `SELECT t.id AS ticket, (SELECT a.id FROM approvals a WHERE a.ticket_id = t.id AND a.state = 'pending' ORDER BY a.seq DESC LIMIT 1) AS approval
         FROM tickets t WHERE t.state = 'review' ORDER BY t.seq`,
      )
      .all() as { ticket: string; approval: string | null }[];
  } catch (err) {
    // a daemon built without approvals has no such table
    if (/no such table/.test(String(err))) return [];
    throw err;
  }
}
