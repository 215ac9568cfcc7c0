import type { Connection } from "../../rpc/handler.js";
import type { ClaimResult } from "./leases.js";

interface Waiter {
  attempt: () => ClaimResult;
  resolve: (r: ClaimResult) => void;
  timer: NodeJS.Timeout;
  conn: Connection;
  /** The agent kind asked for, or null for any. */
  kind: string | null;
}

/**
 * Long-polling claims (`ticket.claim {wait_ms}`): workers wait here instead of polling, and
 * are served first come, first served whenever a ticket may have become claimable (a ticket
 * turned ready, a lease was freed, a sweep ran). A waiter whose connection closed is
 * dropped before it can be handed a lease nobody would hear about.
 */
export class ClaimWaiters {
  private readonly queue: Waiter[] = [];
  private readonly watched = new WeakSet<Connection>();

  wait(conn: Connection, attempt: () => ClaimResult, waitMs: number, kind: string | null): Promise<ClaimResult> {
    return new Promise((resolve) => {
      const w: Waiter = {
        attempt,
        conn,
        kind,
        resolve,
        timer: setTimeout(() => {
          this.remove(w);
          resolve(attempt());
        }, waitMs),
      };
      this.queue.push(w);
      if (!this.watched.has(conn)) {
        this.watched.add(conn);
        conn.onClose(() => {
          for (const x of this.queue.filter((q) => q.conn === conn)) {
            clearTimeout(x.timer);
            this.remove(x);
          }
        });
      }
    });
  }

  /**
   * Hands out claims in arrival order. A kind that came back empty is not retried in this
   * pass; a waiter for any kind coming back empty ends the pass.
   */
  serve(): void {
    const emptyKinds = new Set<string>();
    for (const w of [...this.queue]) {
      if (w.conn.closed) {
        clearTimeout(w.timer);
        this.remove(w);
        continue;
      }
      if (w.kind !== null && emptyKinds.has(w.kind)) continue;
      const r = w.attempt();
      if (!r.lease) {
        if (w.kind === null) return;
        emptyKinds.add(w.kind);
        continue;
      }
      clearTimeout(w.timer);
      this.remove(w);
      w.resolve(r);
    }
  }

  /** At shutdown: answer every waiter with "nothing" so no request hangs. */
  releaseAll(): void {
    for (const w of this.queue.splice(0)) {
      clearTimeout(w.timer);
      w.resolve({ lease: null, reason: "daemon shutting down" });
    }
  }

  private remove(w: Waiter): void {
    const i = this.queue.indexOf(w);
    if (i >= 0) this.queue.splice(i, 1);
  }
}
