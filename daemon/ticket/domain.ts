import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { TicketFolders } from "./files/folders.js";
import { ticketHandlers } from "./handlers.js";
import { ticketStoreFor } from "./store-for.js";
import { Workflows } from "./workflow.js";

/** Tickets: the store, workflows and tickets-as-files folders, served over RPC. */
export function ticketDomain(ctx: DaemonContext): Domain {
  const store = ticketStoreFor(ctx);
  const folders = new TicketFolders(ctx, store);
  return {
    name: "ticket",
    handlers: ticketHandlers(store, new Workflows(store), folders),
    start: () => folders.start(),
    stop: () => folders.stop(),
  };
}
