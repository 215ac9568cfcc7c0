import type { DaemonContext } from "./context.js";
import type { HandlerEntry } from "./rpc/handler.js";
import { envDomain, envServiceFor } from "./env/domain.js";
import { secretsDomain } from "./secrets/domain.js";
import { ticketDomain } from "./ticket/domain.js";
import { approvalDomain } from "./approval/domain.js";
import { coordinatorDomain } from "./ticket/coordinator/domain.js";
import { runtimeDomain } from "./runtime/domain.js";
import { vmDomain } from "./vm/domain.js";

/** A domain of the daemon (environments, runtimes, tickets…): its handlers and lifecycle. */
export interface Domain {
  name: string;
  handlers: HandlerEntry[];
  /** Runs after the socket listens (re-adopt what survived a restart, start timers). */
  start?(): void | Promise<void>;
  /** Runs at graceful shutdown; must leave the user's environments and agents intact. */
  stop?(): void | Promise<void>;
}

export type DomainFactory = (ctx: DaemonContext) => Domain;

/** Every domain, in start order. A new domain adds its factory here. */
export const DOMAINS: DomainFactory[] = [secretsDomain, envDomain, coordinatorDomain, ticketDomain, approvalDomain, runtimeDomain, vmOfEnv];

/** Until daemon/main.ts passes each domain its dependencies: the vm domain takes the base-image provider the env domain built (env starts first). */
function vmOfEnv(ctx: DaemonContext): Domain {
  return vmDomain(ctx, { baseImages: envServiceFor(ctx)?.providers.baseImages() ?? null });
}
