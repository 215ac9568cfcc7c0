import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import type { EventLog } from "../../events/event-log.js";
import { hostAdmits } from "./admission.js";
import type { TicketBundles } from "./bundles.js";
import type { ClaimResult, LeaseBook } from "./leases.js";

/**
 * Completing a lease: finish the ticket, optionally claim the next one in the same
 * transaction (when the host admits more work), then write the signed bundle.
 */
export function completion(cfg: () => CoordinatorConfig, book: LeaseBook, bundles: TicketBundles, events: EventLog) {
  return (id: string, token: string, result: unknown, checks: string[], next?: { agent_kind?: string | undefined; lease_ms?: number | undefined }) => {
    let claimed: ClaimResult | undefined;
    let r;
    if (next) {
      const host = hostAdmits(cfg());
      if (host.ok) {
        const both = book.completeAndClaim(id, token, result, checks, { kind: next.agent_kind, leaseMs: next.lease_ms });
        r = both;
        claimed = both.next;
      } else {
        r = book.complete(id, token, result, checks);
        claimed = { lease: null, reason: host.reason ?? "host busy" };
      }
    } else r = book.complete(id, token, result, checks);
    const path = bundles.write(id);
    if (path) events.append("ticket.bundled", id, { id, path });
    return { ticket: r.ticket, bundle: path, ...(claimed ? { next: claimed } : {}) };
  };
}

export type Completion = ReturnType<typeof completion>;
