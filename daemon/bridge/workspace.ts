/** Where the workspace of a runtime's agent comes from; built by the daemon's assembly. */
export interface WorkspaceSources {
  /** The workspace of a ticket, null when there is no such ticket. */
  ticketWorkspace(id: string): string | null;
  /** The project of an environment, null when there is no such environment. */
  envProject(name: string): string | null;
}

/** The workspace of runtimes that name neither a ticket nor an environment (thread.create's default too). */
export const DEFAULT_WORKSPACE = "default";

/**
 * The workspace an agent's bridge token is minted for (its `workspace_id`; every thread it
 * touches must be in it): the ticket's when the runtime works a ticket (the coordinator
 * passes SWARM_TICKET_ID, and the ticket's review thread lives in the ticket's workspace),
 * else the project of its environment (a project is a workspace: `coordinator.repos.NAME`,
 * `swarmctl init --name`), else `default`.
 */
export function runtimeWorkspace(r: { env?: string | undefined; vars?: Record<string, string> | undefined }, s: WorkspaceSources): string {
  const ticket = r.vars?.SWARM_TICKET_ID;
  const fromTicket = ticket ? s.ticketWorkspace(ticket) : null;
  if (fromTicket) return fromTicket;
  const fromEnv = r.env ? s.envProject(r.env) : null;
  return fromEnv ?? DEFAULT_WORKSPACE;
}
