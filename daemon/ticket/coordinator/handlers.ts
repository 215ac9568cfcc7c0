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

export interface CoordinatorHandlerDeps {
  cfg: () => CoordinatorConfig;
  tickets: TicketStore;
  book: LeaseBook;
  bundles: TicketBundles;
  waiters: ClaimWaiters;
  complete: Completion;
  runningLocally: () => string[];
}

/** RPC edge of the coordinator: worker leases (claim, heartbeat, complete, fail), status, bundles. */
export function coordinatorHandlers(d: CoordinatorHandlerDeps): HandlerEntry[] {
  const { cfg, book } = d;
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
      const c = cfg();
      const byKind = book.leasedByKind();
      return {
        leased: Object.values(byKind).reduce((a, b) => a + b, 0),
        max_concurrent: c.max_concurrent,
        by_kind: byKind,
        per_kind: c.per_kind,
        breakers: book.breakerStates(),
        host: hostAdmits(c),
        running_locally: d.runningLocally(),
        command: c.command,
      };
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
