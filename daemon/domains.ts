import type { HandlerEntry } from "./rpc/handler.js";

/** A domain of the daemon (environments, runtimes, tickets…): its handlers and lifecycle. Built in daemon/assemble.ts. */
export interface Domain {
  name: string;
  handlers: HandlerEntry[];
  /** Runs after the socket listens (re-adopt what survived a restart, start timers). */
  start?(): void | Promise<void>;
  /** Runs at graceful shutdown; must leave the user's environments and agents intact. */
  stop?(): void | Promise<void>;
}
