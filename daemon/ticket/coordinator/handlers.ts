import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import { SwarmError } from "../../../protocol/errors.js";
import * as m from "../../../protocol/methods/coordinator.js";
import { handle, type HandlerEntry } from "../../rpc/handler.js";
import type { TicketStore } from "../store.js";
import { hostAdmits } from "./admission.js";
import type { TicketBundles } from "./bundles.js";
import type { ClaimResult, LeaseBook } from "./leases.js";
import type { Completion } from "./completion.js";
import type { ClaimWaiters } from "./waiters.js";
import { awaitingApproval, queueLines, whyTicketWaits, type QueueFacts } from "./why.js";
import type { Db } from "../../store/db.js";

export interface CoordinatorHandlerDeps {
  cfg: () => CoordinatorConfig;
  tickets: TicketStore;
  book: LeaseBook;
  bundles: TicketBundles;
  waiters: ClaimWaiters;
  complete: Completion;
  runningLocally: () => string[];
  db: Db;
}

/** RPC edge of the coordinator: worker leases (claim, heartbeat, complete, fail), status, bundles. */
export function coordinatorHandlers(d: CoordinatorHandlerDeps): HandlerEntry[] {
  const { cfg, book } = d;
  const facts = (): QueueFacts => ({ cfg: cfg(), leasedByKind: book.leasedByKind(), breakers: book.breakerStates(), host: hostAdmits(cfg()), now: Date.now() });
  return [
    handle(m.ticketClaim, (p, call) => {
      const attempt = (): ClaimResult => {
        const host = hostAdmits(cfg());
        if (!host.ok) return { lease: null, reason: host.reason ?? "host busy" };
        return book.claim(p.worker, { kind: p.agent_kind, leaseMs: p.lease_ms });
      };
      const first = attempt();
      if (first.lease || p.wait_ms === 0) return first;
      return d.waiters.wait(call.connection, attempt, p.wait_ms, p.agent_kind ?? null);
    }),
    handle(m.ticketHeartbeat, (p) => book.heartbeat(p.id, p.lease, p.lease_ms)),
    handle(m.ticketComplete, (p) => d.complete(p.id, p.lease, p.result, p.checks_passed, p.next)),
    handle(m.ticketFail, (p) => book.fail(p.id, p.lease, p.error, p.retryable)),
    handle(m.coordinatorStatus, () => {
      const f = facts();
      const c = f.cfg;
      return {
        leased: Object.values(f.leasedByKind).reduce((a, b) => a + b, 0),
        max_concurrent: c.max_concurrent,
        by_kind: f.leasedByKind,
        per_kind: c.per_kind,
        breakers: book.breakerStates(),
        host: f.host,
        running_locally: d.runningLocally(),
        command: c.command,
        agent_kinds: c.agent_kinds,
        default_agent_kind: c.default_agent_kind,
        repo: c.repo,
        queue: queueLines(d.db, f),
        awaiting_approval: awaitingApproval(d.db),
      };
    }),
    handle(m.coordinatorWhy, (p) => {
      const t = d.tickets.get(p.id);
      const deps = t.depends_on.map((id) => ({ id, state: d.tickets.find(id)?.state ?? "missing" }));
      const approval = awaitingApproval(d.db).find((a) => a.ticket === t.id)?.approval ?? null;
      return { id: t.id, state: t.state, waiting: whyTicketWaits(t, facts(), deps, approval) };
    }),
    handle(m.bundleGet, (p) => {
      d.tickets.get(p.id);
      if (!d.bundles.store.has(p.id)) {
        throw new SwarmError("NOT_FOUND", `ticket ${p.id} has no result bundle`, {
          hint: "bundles are written when a ticket completes through the coordinator",
        });
      }
      const k = d.bundles.signingKey();
      return { path: d.bundles.store.pathOf(p.id), key_id: k.keyId, public_key: k.publicPem, public_key_file: k.publicKeyFile };
    }),
  ];
}
