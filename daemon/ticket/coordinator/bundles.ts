import type { DaemonContext } from "../../context.js";
import type { DaemonKey } from "../../keys/ed25519.js";
import { BundleStore } from "../bundle/bundle-store.js";
import type { TicketStore } from "../store.js";
import type { LeaseBook } from "./leases.js";
import { LOCAL_WORKER } from "./runner.js";

/** Result bundles of finished tickets (R-T7), signed with the daemon's key (made on first use). */
export class TicketBundles {
  readonly store: BundleStore;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly tickets: TicketStore,
    private readonly book: LeaseBook,
    /** the daemon's one signing key, also the agent tokens' (loaded once by the assembler) */
    private readonly key: DaemonKey,
  ) {
    this.store = new BundleStore(ctx.paths.dataDir, () => key);
  }

  signingKey(): DaemonKey {
    return this.key;
  }

  /** Writes the bundle of a finished lease; null when there is none to write or writing failed (an event says why). */
  write(id: string): string | null {
    const t = this.tickets.get(id);
    const l = this.book.lease(id);
    if (!l || l.finished_at === null) return null;
    const runDir = l.worker === LOCAL_WORKER ? ((t.result as { run_dir?: string } | null)?.run_dir ?? null) : null;
    try {
      return this.store.write({
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
      this.ctx.logger.error("writing result bundle failed", { ticket: id, error: String(err) });
      this.ctx.events.append("ticket.bundle_failed", id, { id, error: String(err) });
      return null;
    }
  }

  /** Bundles whose write was cut short by a crash are rebuilt: their inputs are all in the db. */
  rebuildMissing(): void {
    const finished = this.ctx.db
      .prepare(
        "SELECT l.ticket_id FROM coordinator_leases l JOIN tickets t ON t.id = l.ticket_id WHERE l.finished_at IS NOT NULL AND t.state IN ('done', 'review')",
      )
      .all() as { ticket_id: string }[];
    for (const r of finished) if (!this.store.has(r.ticket_id)) this.write(r.ticket_id);
  }
}
