import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/ticket.js";
import type { TicketState } from "../../protocol/methods/ticket.js";
import { TRANSITIONS } from "./state-machine.js";
import type { CallContext, HandlerEntry } from "../rpc/handler.js";
import { handle } from "../rpc/handler.js";
import type { TicketStore } from "./store.js";
import type { Workflows } from "./workflow.js";
import type { TicketFolders } from "./files/folders.js";

const RETRYABLE: readonly TicketState[] = ["failed", "cancelled", "blocked"];

/** Who made a call, for history and audit: the client's handshake name and connection. */
export function actorOf(call: CallContext, given?: string): string {
  return given ?? `${call.connection.client ?? "client"}#${call.connection.id}`;
}

export function ticketHandlers(store: TicketStore, workflows: Workflows, folders: TicketFolders): HandlerEntry[] {
  return [
    handle(m.ticketSubmit, (p, call) => {
      const { idempotency_key, ...fields } = p;
      return store.create({ ...fields, idempotency_key }, actorOf(call));
    }),
    handle(m.ticketGet, (p) => store.get(p.id)),
    handle(m.ticketList, (p) => ({ tickets: store.list(p) })),
    handle(m.ticketUpdate, (p, call) => {
      const { id, version, ...patch } = p;
      return store.update(id, patch, { version, actor: actorOf(call) });
    }),
    handle(m.ticketTransition, (p, call) => store.transition(p.id, p.to, { from: p.from, reason: p.reason, actor: actorOf(call, p.actor), result: p.result })),
    handle(m.ticketCancel, (p, call) => store.transition(p.id, "cancelled", { reason: p.reason ?? "cancelled", actor: actorOf(call) })),
    handle(m.ticketRetry, (p, call) => {
      const actor = actorOf(call);
      return store.tx(() => {
        const t = store.get(p.id);
        if (!RETRYABLE.includes(t.state)) {
          throw new SwarmError("INVALID_TRANSITION", `ticket ${t.id} is ${t.state}; retry applies to ${RETRYABLE.join(", ")} tickets`, {
            details: { id: t.id, from: t.state, to: "backlog", allowed: TRANSITIONS[t.state] },
          });
        }
        store.transition(p.id, "backlog", { reason: p.reason ?? "retry", actor, patch: { not_before: null } });
        store.promote([p.id]);
        return store.get(p.id);
      });
    }),
    handle(m.ticketDeps, (p, call) => store.changeDeps(p.id, p.add, p.remove, actorOf(call))),
    handle(m.ticketHistory, (p) => ({ transitions: store.history(p.id) })),
    handle(m.ticketWorkflowSubmit, (p, call) => workflows.submit(p, actorOf(call))),
    handle(m.ticketWorkflow, (p) => workflows.status(p.id)),
    handle(m.ticketLint, (p) => folders.lint(p.dir)),
    handle(m.ticketPlanSubmit, (p, call) => folders.submitPlan(p.dir, p.name ?? `plan ${p.dir}`, (wf) => workflows.submit(wf, actorOf(call)))),
    handle(m.ticketWatch, (p) => folders.watchFromRpc(p.dir)),
    handle(m.ticketUnwatch, (p) => folders.unwatch(p.dir)),
    handle(m.ticketWatches, () => ({ dirs: folders.list() })),
  ];
}
