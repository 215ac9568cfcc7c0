import type { DaemonContext } from "../context.js";
import { TicketStore } from "./store.js";

const stores = new WeakMap<DaemonContext, TicketStore>();

/**
 * The daemon's one TicketStore. Domains that move tickets (coordinator, approvals, files)
 * share it, so their transactions nest and events are appended once, at commit.
 */
export function ticketStoreFor(ctx: DaemonContext): TicketStore {
  let s = stores.get(ctx);
  if (!s) {
    s = new TicketStore(ctx.db, ctx.events, { maxBodyBytes: () => ctx.cfg().tickets.max_body_bytes });
    stores.set(ctx, s);
  }
  return s;
}
