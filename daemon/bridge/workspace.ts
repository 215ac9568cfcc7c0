import { SwarmError } from "../../protocol/errors.js";

/** What the bridge looks up about a runtime's ticket and environment; built by the daemon's assembly. */
export interface BridgeSources {
  /** The workspace of a ticket, null when there is no such ticket. */
  ticketWorkspace(id: string): string | null;
  /** The project of an environment, null when there is no such environment. */
  envProject(name: string): string | null;
  /** The provider of an environment (worktree, sandbox, vm), null when there is no such environment. */
  envProvider(name: string): string | null;
}

/** The workspace of runtimes that name neither a ticket nor an environment (thread.create's default too). */
export const DEFAULT_WORKSPACE = "default";

/**
 * An agent CLI with the bridge cannot run in a VM environment (docs/threads.md, "Not done
 * yet"): the guest is a busybox root with no node (which claude, gemini, swarm's scripted
 * agent and `swarmctl mcp` itself need) and it cannot see the host's files nor the daemon's
 * Unix socket. Refused before a token is minted, saying what to do instead, rather than
 * starting an agent whose swarm tools fail silently.
 */
export function assertBridgeReaches(r: { agent: string; env?: string | undefined }, s: BridgeSources): void {
  if (!r.env || s.envProvider(r.env) !== "vm") return;
  throw new SwarmError(
    "INVALID_ARGUMENT",
    `agent ${r.agent} cannot run in environment ${r.env}: it is a VM, whose guest has no node (a busybox root) and no way to reach the daemon, so neither the agent CLI nor its swarm thread bridge (swarmctl mcp) can run there`,
    {
      hint: `start the agent in a sandbox or worktree environment (swarmctl env create NAME --provider sandbox --repo REPO), or run a command of your own in the VM, which gets no bridge: swarmctl runtime start NAME --env ${r.env} -- COMMAND`,
      details: { reason: "no_bridge_in_vm", agent: r.agent, env: r.env, provider: "vm" },
    },
  );
}

/**
 * The workspace an agent's bridge token is minted for (its `workspace_id`; every thread it
 * touches must be in it): the ticket's when the runtime works a ticket (the coordinator
 * passes SWARM_TICKET_ID, and the ticket's review thread lives in the ticket's workspace),
 * else the project of its environment (a project is a workspace: `coordinator.repos.NAME`,
 * `swarmctl init --name`), else `default`.
 */
export function runtimeWorkspace(r: { env?: string | undefined; vars?: Record<string, string> | undefined }, s: BridgeSources): string {
  const ticket = r.vars?.SWARM_TICKET_ID;
  const fromTicket = ticket ? s.ticketWorkspace(ticket) : null;
  if (fromTicket) return fromTicket;
  const fromEnv = r.env ? s.envProject(r.env) : null;
  return fromEnv ?? DEFAULT_WORKSPACE;
}
