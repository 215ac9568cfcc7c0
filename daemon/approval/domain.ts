import * as m from "../../protocol/methods/approval.js";
import type { AuditLog } from "../audit/log.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { handle } from "../rpc/handler.js";
import { actorOf } from "../ticket/handlers.js";
import type { TicketStore } from "../ticket/store.js";
import { AutoRequest } from "./auto-request.js";
import { capDiff, diffWorkdir, filesInDiff } from "./diff.js";
import { ApprovalExpiry } from "./expiry.js";
import { ApprovalStore } from "./store.js";

/** The approval calls that write their own audit row (a success needs no second one). */
export const APPROVAL_SELF_AUDITED: ReadonlySet<string> = new Set(
  [m.approvalRequest, m.approvalApprove, m.approvalReject, m.approvalClarify].map((x) => x.name),
);

/** Approval gates (R-T5): requests with a diff, decisions, expiry; each request and decision is a row of the daemon's audit chain. */
export function approvalDomain(ctx: DaemonContext, { tickets, audit }: { tickets: TicketStore; audit: AuditLog }): Domain {
  const store = new ApprovalStore(tickets, audit);
  const expiry = new ApprovalExpiry(store, () => ctx.cfg(), ctx.logger);
  const auto = new AutoRequest(tickets, store, expiry, () => ctx.cfg(), ctx.logger);
  const strip = <T extends { diff: string }>({ diff: _d, ...rest }: T) => rest;
  return {
    name: "approval",
    handlers: [
      handle(m.approvalRequest, async (p, call) => {
        // The diff is taken before the transaction: git runs outside the database lock.
        const text = p.diff ?? "";
        const raw = p.workdir ? await diffWorkdir(p.workdir, p.base) : { diff: text, files: filesInDiff(text), untracked: [] as string[] };
        const capped = capDiff(raw.diff, ctx.cfg().approvals.max_diff_bytes);
        const a = store.request({
          ticket_id: p.ticket_id,
          summary: p.summary,
          diff: capped.diff,
          diff_truncated: capped.truncated,
          files_changed: raw.files,
          untracked: raw.untracked,
          workdir: p.workdir,
          base: p.workdir ? (p.base ?? "HEAD") : p.base,
          requested_by: actorOf(call, p.requested_by),
          expires_at: Date.now() + (p.timeout_ms ?? ctx.cfg().approvals.timeout_ms),
        });
        expiry.arm();
        return a;
      }),
      handle(m.approvalList, (p) => ({ approvals: store.list(p).map(strip) })),
      handle(m.approvalGet, (p) => ({ ...store.get(p.id), audit: store.audit({ approval_id: p.id }) })),
      handle(m.approvalApprove, (p, call) => store.decide(p.id, "approved", actorOf(call, p.actor), p.reason ?? null)),
      handle(m.approvalReject, (p, call) => store.decide(p.id, "rejected", actorOf(call, p.actor), p.reason ?? null)),
      handle(m.approvalClarify, (p, call) => store.decide(p.id, "clarification_requested", actorOf(call, p.actor), p.reason ?? null)),
      handle(m.approvalAudit, (p) => ({ entries: store.audit(p) })),
    ],
    start: () => {
      expiry.sweep();
      expiry.arm();
      auto.start(ctx.events);
    },
    stop: () => {
      auto.stop();
      expiry.stop();
    },
  };
}
