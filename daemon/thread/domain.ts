import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import type { AuditLog } from "../audit/log.js";
import type { Guard } from "../identity/guard.js";
import { controlHandlers } from "./control.js";
import type { BridgeHello, ThreadDeps, WakeHandOver } from "./deps.js";
import { threadHandlers } from "./handlers.js";
import { LoopBreaker } from "./loops.js";
import { MessageStore } from "./messages.js";
import { RateLimiter } from "./rate-limit.js";
import { SessionStore } from "./sessions.js";
import { TicketThreads } from "./ticket-threads.js";
import { ThreadStore } from "./threads.js";

/** Threads between agents (R-M1…R-M5): messages with seq, cursors, sessions, loop and rate controls. */
export function threadDomain(
  ctx: DaemonContext,
  deps: { guard: Guard; audit: AuditLog; assertTicket: (id: string) => void; wake?: WakeHandOver; bridgeHello?: BridgeHello },
): Domain & { ticketThreads: TicketThreads } {
  const cfg = () => ctx.cfg().threads;
  const threads = new ThreadStore(ctx.db, ctx.events);
  const d: ThreadDeps = {
    ...deps,
    wake: deps.wake ?? null,
    bridgeHello: deps.bridgeHello ?? null,
    threads,
    messages: new MessageStore(ctx.db, threads, ctx.events),
    loops: new LoopBreaker(ctx.db, threads, ctx.events, deps.audit, cfg),
    rate: new RateLimiter(() => cfg().rate_limit),
    sessions: new SessionStore(ctx.db, ctx.events),
    events: ctx.events,
    cfg,
  };
  const ticketThreads = new TicketThreads(threads, deps.audit, (fn) => ctx.events.transactor.run(fn));
  return { name: "thread", handlers: [...threadHandlers(d), ...controlHandlers(d, ctx.db)], ticketThreads };
}
