import type { Config } from "../../protocol/config/schema.js";
import type { Logger } from "../log/logger.js";
import type { ApprovalStore } from "./store.js";

const OUTCOME = { approve: "approved", reject: "rejected", clarify: "clarification_requested" } as const;
const MAX_DELAY_MS = 60_000;

/**
 * Turns pending approvals past their deadline into the configured outcome, decided by
 * `policy`. One timer aims at the next deadline (re-armed after every request and at
 * least once a minute), so expiry is on time without polling.
 */
export class ApprovalExpiry {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly store: ApprovalStore,
    private readonly cfg: () => Config,
    private readonly logger: Logger,
  ) {}

  sweep(now = Date.now()): number {
    const outcome = OUTCOME[this.cfg().approvals.expire_outcome];
    let n = 0;
    for (const id of this.store.due(now)) {
      try {
        const a = this.store.get(id);
        const waited = Math.round((now - Date.parse(a.requested_at)) / 1000);
        this.store.decide(
          id,
          outcome,
          "policy",
          `expired after ${waited} s without a decision (approvals.expire_outcome = ${this.cfg().approvals.expire_outcome})`,
          true,
        );
        n++;
      } catch (err) {
        this.logger.error("approval expiry failed", { id, error: String(err) });
      }
    }
    return n;
  }

  arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.store.nextDeadline();
    const delay = next === null ? MAX_DELAY_MS : Math.min(MAX_DELAY_MS, Math.max(0, next - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweep();
      this.arm();
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
