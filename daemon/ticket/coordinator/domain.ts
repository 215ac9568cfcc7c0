import { COORDINATOR_DEFAULTS, type CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import type { DaemonContext } from "../../context.js";
import type { Domain } from "../../domains.js";
import type { EnvService } from "../../env/service.js";
import type { DaemonKey } from "../../keys/ed25519.js";
import type { RuntimeManager } from "../../runtime/manager.js";
import type { TicketStore } from "../store.js";
import { hostAdmits } from "./admission.js";
import { threadOfTicketIn, type ThreadOfTicket } from "./agent-env.js";
import { AgentRunner, ticketEnvName } from "./agent-runner.js";
import { TicketBundles } from "./bundles.js";
import { completion } from "./completion.js";
import { coordinatorHandlers } from "./handlers.js";
import { LeaseBook } from "./leases.js";
import { reviewThreadOf, type ReviewThreads } from "./review.js";
import { ReviewRunner } from "./review-runner.js";
import { CommandRunner } from "./runner.js";
import { ClaimWaiters } from "./waiters.js";

/** What the coordinator is given by the assembler: the daemon's one ticket store, environments and runtimes. */
export interface CoordinatorDeps {
  tickets: TicketStore;
  envs: EnvService;
  runtimes: RuntimeManager;
  /** A ticket's thread for its agent's SWARM_THREAD_ID; default: read from the threads table. */
  threadOf?: ThreadOfTicket;
  /** Opens a ticket's review thread when coordinator.review.enabled (the thread domain's TicketThreads). */
  reviewThreads?: ReviewThreads;
  /** the daemon's signing key (result bundles' certificates) */
  key: DaemonKey;
}

/** The coordinator section of the live config (defaults when the section is absent). */
function coordinatorCfg(ctx: DaemonContext): CoordinatorConfig {
  return (ctx.cfg() as { coordinator?: CoordinatorConfig }).coordinator ?? COORDINATOR_DEFAULTS;
}

/**
 * The coordinator domain (R-T3, R-T7): leases for workers, the daemon's own command
 * runner, the expiry sweep, and a signed bundle for every finished ticket.
 */
export function coordinatorDomain(ctx: DaemonContext, deps: CoordinatorDeps): Domain {
  const cfg = () => coordinatorCfg(ctx);
  const book = new LeaseBook(ctx.db, ctx.events, deps.tickets, cfg);
  const bundles = new TicketBundles(ctx, deps.tickets, book, deps.key);
  const complete = completion(cfg, book, bundles, ctx.events);
  const admits = () => hostAdmits(cfg());
  const waiters = new ClaimWaiters();
  const commands = new CommandRunner({ book, cfg, logger: ctx.logger, admits, complete });
  const existing = deps.threadOf ?? threadOfTicketIn(ctx.db);
  const threadOf = reviewThreadOf({ cfg, tickets: deps.tickets, threads: deps.reviewThreads, existing, executorOf: ticketEnvName });
  const review = new ReviewRunner({ book, cfg, logger: ctx.logger, events: ctx.events, runtimes: deps.runtimes });
  const agents = new AgentRunner({
    book,
    cfg,
    logger: ctx.logger,
    events: ctx.events,
    db: ctx.db,
    admits,
    complete,
    envs: deps.envs,
    runtimes: deps.runtimes,
    threadOf,
    review,
  });
  // Agent kinds go to environments + runtimes, the rest to the configured command.
  const runner = {
    tick: () => (agents.tick(), commands.tick()),
    stop: (id: string, why: string) => agents.stop(id, why) || commands.stop(id, why),
    running: () => [...agents.running(), ...commands.running()],
    stopAll: () => (agents.stopAll(), commands.stopAll()),
  };
  const serve = () => (runner.tick(), waiters.serve());
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: (() => void) | null = null;
  let tickQueued = false;
  const queueTick = () => {
    if (tickQueued) return;
    tickQueued = true;
    setImmediate(() => ((tickQueued = false), serve()));
  };

  return {
    name: "coordinator",
    handlers: coordinatorHandlers({ cfg, tickets: deps.tickets, book, bundles, waiters, complete, runningLocally: runner.running, db: ctx.db }),
    start() {
      bundles.rebuildMissing();
      unsubscribe = ctx.events.subscribe((ev) => {
        if (ev.type !== "ticket.transitioned") return;
        const to = ev.data.to;
        if (to === "cancelled" && ev.subject) runner.stop(ev.subject, "cancelled");
        if (to === "ready" || to === "done" || to === "failed" || to === "cancelled") queueTick();
      });
      const sweep = () => {
        for (const b of book.sweep()) ctx.logger.info("lease taken back", { ticket: b.id, why: b.why, retry_at: b.retry_at });
        serve();
      };
      timers.push(setInterval(sweep, cfg().sweep_ms));
      queueTick();
    },
    stop() {
      timers.forEach((t) => clearInterval(t));
      unsubscribe?.();
      runner.stopAll();
      waiters.releaseAll();
    },
  };
}
