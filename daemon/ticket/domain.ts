import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { TicketFolders } from "./files/folders.js";
import { ticketHandlers } from "./handlers.js";
import type { TicketStore } from "./store.js";
import { Workflows } from "./workflow.js";

/** Tickets: the store, workflows and tickets-as-files folders, served over RPC. */
export function ticketDomain(ctx: DaemonContext, { tickets }: { tickets: TicketStore }): Domain {
  const folders = new TicketFolders(ctx, tickets);
  return {
    name: "ticket",
    handlers: ticketHandlers(tickets, new Workflows(tickets), folders),
    start: () => folders.start(),
    stop: () => folders.stop(),
  };
}
