import { COORDINATOR_DEFAULTS, type CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import { SwarmError } from "../../../protocol/errors.js";
import * as m from "../../../protocol/methods/coordinator.js";
import type { DaemonContext } from "../../context.js";
import type { Domain } from "../../domains.js";
import { loadOrCreateKey, type DaemonKey } from "../../keys/ed25519.js";
import { handle } from "../../rpc/handler.js";
import { BundleStore } from "../bundle/bundle-store.js";
import { TicketStore } from "../store.js";
import { hostAdmits } from "./admission.js";
import { LeaseBook, type ClaimResult } from "./leases.js";
import { ClaimWaiters } from "./waiters.js";
import { CommandRunner, LOCAL_WORKER } from "./runner.js";
import { AgentRunner } from "./agent-runner.js";
import { envServiceFor } from "../../env/domain.js";
import type { RuntimeManager } from "../../runtime/manager.js";

/** The coordinator section of the live config (defaults when the section is absent). */
function coordinatorCfg(ctx: DaemonContext): CoordinatorConfig {
  return (ctx.cfg() as { coordinator?: CoordinatorConfig }).coordinator ?? COORDINATOR_DEFAULTS;
}

/**
 * The coordinator domain (R-T3, R-T7): leases for workers, the daemon's own command
 * runner, the expiry sweep, and a signed bundle for every finished ticket.
 */
export function coordinatorDomain(ctx: DaemonContext, deps: { runtimes: RuntimeManager }): Domain {
  const cfg = () => coordinatorCfg(ctx);
  const store = new TicketStore(ctx.db, ctx.events, { maxBodyBytes: () => Number.MAX_SAFE_INTEGER });
  const book = new LeaseBook(ctx.db, ctx.events, store, cfg);
  let key: DaemonKey | null = null;
  const getKey = () => (key ??= loadOrCreateKey(ctx.paths.home));
  const bundles = new BundleStore(ctx.paths.dataDir, getKey);

  const writeBundle = (id: string): string | null => {
    const t = store.get(id);
    const l = book.lease(id);
    if (!l || l.finished_at === null) return null;
    const runDir = l.worker === LOCAL_WORKER ? ((t.result as { run_dir?: string } | null)?.run_dir ?? null) : null;
    try {
      return bundles.write({
        ticket: t,
        agent: l.agent_kind,
        // agent tickets name their environment; command runs their temp dir
        environment: (t.result as { environment?: string } | null)?.environment ?? runDir ?? `worker:${l.worker}`,
        startedAt: l.claimed_at,
        finishedAt: l.finished_at,
        checks: l.checks ? (JSON.parse(l.checks) as string[]) : [],
        resultDir: runDir ? `${runDir}/result` : null,
      });
    } catch (err) {
      ctx.logger.error("writing result bundle failed", { ticket: id, error: String(err) });
      ctx.events.append("ticket.bundle_failed", id, { id, error: String(err) });
      return null;
    }
  };

  const complete = (
    id: string,
    token: string,
    result: unknown,
    checks: string[],
    next?: { agent_kind?: string | undefined; lease_ms?: number | undefined },
  ) => {
    let claimed: ClaimResult | undefined;
    let r;
    if (next) {
      const host = hostAdmits(cfg());
      if (host.ok) {
        const both = book.completeAndClaim(id, token, result, checks, { kind: next.agent_kind, leaseMs: next.lease_ms });
        r = both;
        claimed = both.next;
      } else {
        r = book.complete(id, token, result, checks);
        claimed = { lease: null, reason: host.reason ?? "host busy" };
      }
    } else r = book.complete(id, token, result, checks);
    const path = writeBundle(id);
    if (path) ctx.events.append("ticket.bundled", id, { id, path });
    return { ticket: r.ticket, bundle: path, ...(claimed ? { next: claimed } : {}) };
  };

  const waiters = new ClaimWaiters();
  const commands = new CommandRunner({ book, cfg, logger: ctx.logger, admits: () => hostAdmits(cfg()), complete });
  const agents = new AgentRunner({
    book,
    cfg,
    logger: ctx.logger,
    events: ctx.events,
    db: ctx.db,
    admits: () => hostAdmits(cfg()),
    complete,
    envs: () => envServiceFor(ctx),
    runtimes: () => deps.runtimes,
  });
  // Agent kinds go to environments + runtimes, the rest to the configured command.
  const runner = {
    tick: () => (agents.tick(), commands.tick()),
    stop: (id: string, why: string) => agents.stop(id, why) || commands.stop(id, why),
    running: () => [...agents.running(), ...commands.running()],
    stopAll: () => (agents.stopAll(), commands.stopAll()),
  };
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: (() => void) | null = null;
  let tickQueued = false;
  const queueTick = () => {
    if (tickQueued) return;
    tickQueued = true;
    setImmediate(() => {
      tickQueued = false;
      runner.tick();
      waiters.serve();
    });
  };

  return {
    name: "coordinator",
    handlers: [
      handle(m.ticketClaim, (p, call) => {
        const attempt = (): ClaimResult => {
          const host = hostAdmits(cfg());
          if (!host.ok) return { lease: null, reason: host.reason ?? "host busy" };
          return book.claim(p.worker, { kind: p.agent_kind, leaseMs: p.lease_ms });
        };
        const first = attempt();
        if (first.lease || p.wait_ms === 0) return first;
        return waiters.wait(call.connection, attempt, p.wait_ms, p.agent_kind ?? null);
      }),
      handle(m.ticketHeartbeat, (p) => book.heartbeat(p.id, p.lease, p.lease_ms)),
      handle(m.ticketComplete, (p) => complete(p.id, p.lease, p.result, p.checks_passed, p.next)),
      handle(m.ticketFail, (p) => book.fail(p.id, p.lease, p.error, p.retryable)),
      handle(m.coordinatorStatus, () => {
        const c = cfg();
        const byKind = book.leasedByKind();
        return {
          leased: Object.values(byKind).reduce((a, b) => a + b, 0),
          max_concurrent: c.max_concurrent,
          by_kind: byKind,
          per_kind: c.per_kind,
          breakers: book.breakerStates(),
          host: hostAdmits(c),
          running_locally: runner.running(),
          command: c.command,
        };
      }),
      handle(m.bundleGet, (p) => {
        store.get(p.id);
        if (!bundles.has(p.id)) {
          throw new SwarmError("NOT_FOUND", `ticket ${p.id} has no result bundle`, {
            hint: "bundles are written when a ticket completes through the coordinator",
          });
        }
        const k = getKey();
        return { path: bundles.pathOf(p.id), key_id: k.keyId, public_key: k.publicPem, public_key_file: k.publicKeyFile };
      }),
    ],
    start() {
      // Bundles whose write was cut short by a crash are rebuilt: their inputs are all in the db.
      const missing = ctx.db
        .prepare(
          "SELECT l.ticket_id FROM coordinator_leases l JOIN tickets t ON t.id = l.ticket_id WHERE l.finished_at IS NOT NULL AND t.state IN ('done', 'review')",
        )
        .all() as { ticket_id: string }[];
      for (const r of missing) if (!bundles.has(r.ticket_id)) writeBundle(r.ticket_id);
      unsubscribe = ctx.events.subscribe((ev) => {
        if (ev.type !== "ticket.transitioned") return;
        const to = ev.data.to;
        if (to === "cancelled" && ev.subject) runner.stop(ev.subject, "cancelled");
        if (to === "ready" || to === "done" || to === "failed" || to === "cancelled") queueTick();
      });
      const sweep = () => {
        const back = book.sweep();
        for (const b of back) ctx.logger.info("lease taken back", { ticket: b.id, why: b.why, retry_at: b.retry_at });
        runner.tick();
        waiters.serve();
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
