import type { AuditLog } from "../audit/log.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { HumanInput, InjectionRate } from "./collision.js";
import { WakeDispatcher } from "./dispatcher.js";
import { wakeHandlers } from "./handlers.js";
import type { WakeRuntimes } from "./ports.js";
import type { WakeDeps } from "./records.js";
import { WakeService } from "./service.js";
import { WakeStore } from "./store.js";
import { ThreadView } from "./thread-view.js";

/**
 * Wake (R-M6, R-M7): idle agents with unread messages get a trigger typed into their
 * terminal, never over a person's typing, acknowledged or followed by retry, resume,
 * spawn. Built in daemon/assemble.ts with the runtimes it may type into (through the
 * runtime manager's send) and the audit log; its tables are migrated there too.
 */
export function wakeDomain(ctx: DaemonContext, deps: { runtimes: WakeRuntimes; audit: AuditLog }): Domain & { service: WakeService } {
  const view = new ThreadView(ctx.db);
  const cfg = () => ctx.cfg().wake;
  const d: WakeDeps = {
    store: new WakeStore(ctx.db),
    runtimes: deps.runtimes,
    threads: view,
    sessions: view,
    events: ctx.events,
    audit: deps.audit,
    cfg,
    logger: ctx.logger,
    tx: (fn) => ctx.events.transactor.run(fn),
    human: new HumanInput(),
    rate: new InjectionRate(() => cfg().rate_limit),
  };
  const dispatcher = new WakeDispatcher(d);
  const service = new WakeService(d, dispatcher);
  return {
    name: "wake",
    service,
    handlers: wakeHandlers(service),
    start: () => dispatcher.start(),
    stop: () => dispatcher.stop(),
  };
}
