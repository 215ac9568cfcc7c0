import { SwarmError } from "../../protocol/errors.js";
import type { Config } from "../../protocol/config/schema.js";
import type { EventLog } from "../events/event-log.js";
import type { Logger } from "../log/logger.js";
import type { TicketStore } from "../ticket/store.js";
import { capDiff, diffWorkdir, type WorkdirDiff } from "./diff.js";
import type { ApprovalExpiry } from "./expiry.js";
import type { ApprovalStore } from "./store.js";

/**
 * A gated ticket that reaches review without an approval (the coordinator finished it)
 * gets one opened by `swarm`, so a person can see and decide it. When the ticket's result
 * names a `workdir` (and optionally `base`), its diff is attached. Runs after the
 * transition has committed (never inside another domain's transaction or event delivery).
 */
export class AutoRequest {
  private queued = new Set<string>();
  private scheduled = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly tickets: TicketStore,
    private readonly approvals: ApprovalStore,
    private readonly expiry: ApprovalExpiry,
    private readonly cfg: () => Config,
    private readonly logger: Logger,
  ) {}

  start(events: EventLog): void {
    this.unsubscribe = events.subscribe((ev) => {
      if (ev.type !== "ticket.transitioned" || ev.data.to !== "review" || ev.subject === null) return;
      this.queued.add(ev.subject);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
    // Gated tickets left in review without an approval (e.g. a crash right after completing).
    for (const t of this.tickets.list({ state: "review", limit: 10000 })) this.queued.add(t.id);
    void this.flush();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const ids = [...this.queued];
    this.queued.clear();
    for (const id of ids) {
      try {
        await this.openFor(id);
      } catch (err) {
        if (err instanceof SwarmError && err.kind === "CONFLICT") continue; // someone asked first
        this.logger.error("could not open an approval for a gated ticket", { ticket: id, error: String(err) });
      }
    }
  }

  private needsOne(id: string): boolean {
    const t = this.tickets.find(id);
    return t !== null && t.state === "review" && t.requires_approval && this.approvals.list({ ticket_id: id, state: "pending" }).length === 0;
  }

  private async openFor(id: string): Promise<void> {
    if (!this.needsOne(id)) return;
    const t = this.tickets.get(id);
    const r = (t.result ?? {}) as { workdir?: unknown; base?: unknown; summary?: unknown };
    let diff: WorkdirDiff = { diff: "", files: [], untracked: [] };
    let note = "";
    if (typeof r.workdir === "string") {
      try {
        diff = await diffWorkdir(r.workdir, typeof r.base === "string" ? r.base : undefined);
      } catch (err) {
        note = `\n\n(no diff: ${err instanceof Error ? err.message : String(err)})`;
      }
    }
    if (!this.needsOne(id)) return; // decided or requested while git ran
    const capped = capDiff(diff.diff, this.cfg().approvals.max_diff_bytes);
    const summary = typeof r.summary === "string" && r.summary.trim() ? r.summary : `Ticket ${t.id} "${t.title}" is finished and requires approval.`;
    this.approvals.request({
      ticket_id: t.id,
      summary: summary + note,
      diff: capped.diff,
      diff_truncated: capped.truncated,
      files_changed: diff.files,
      untracked: diff.untracked,
      workdir: typeof r.workdir === "string" ? r.workdir : undefined,
      base: typeof r.workdir === "string" ? (typeof r.base === "string" ? r.base : "HEAD") : undefined,
      requested_by: "swarm",
      expires_at: Date.now() + this.cfg().approvals.timeout_ms,
    });
    this.expiry.arm();
  }
}
