import type { Logger } from "../log/logger.js";
import type { Db } from "./db.js";

/**
 * The daemon's one way to open a transaction. `run` nests (an inner run is a savepoint, so
 * an inner failure a caller catches undoes only the inner writes), and work registered with
 * `afterCommit` runs once the outermost transaction has committed, in registration order,
 * or never if the writes it describes were rolled back. The event log delivers events
 * through it, so a listener never hears of a change that could still roll back, and a
 * listener's failure cannot undo a write.
 */
export class Transactor {
  private depth = 0;
  private flushing = false;
  /** Work waiting for the outermost commit (while depth > 0) or for the flush in progress. */
  private queue: (() => void)[] = [];
  /** Built once: better-sqlite3 makes several wrappers per db.transaction() call; nested calls use savepoints. */
  private readonly runTx: (fn: () => unknown) => unknown;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {
    this.runTx = db.transaction((fn: () => unknown) => fn());
  }

  /** True while inside `run`. */
  get active(): boolean {
    return this.depth > 0;
  }

  /** Runs `fn` in one transaction (a savepoint when nested); throws what `fn` throws, after rolling back. */
  run<T>(fn: () => T): T {
    if (this.depth === 0 && this.db.inTransaction) {
      // Someone opened a transaction without us: we could not know when it commits.
      throw new Error("Transactor.run inside a transaction it did not open; open every transaction with Transactor.run (daemon/store/transact.ts)");
    }
    const mark = this.queue.length;
    this.depth++;
    let result: T;
    try {
      result = this.runTx(fn) as T;
    } catch (err) {
      this.queue.length = mark; // the writes this work described are gone
      throw err;
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.flush();
    return result;
  }

  /**
   * Runs `work` after the outermost transaction commits; outside a transaction, now (or,
   * during a flush, after the work already queued, so order is kept). `work` must not throw;
   * if it does, the error is logged and the rest still runs.
   */
  afterCommit(work: () => void): void {
    this.queue.push(work);
    if (this.depth === 0) this.flush();
  }

  private flush(): void {
    // Work that commits transactions of its own queues behind what is already waiting.
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let work = this.queue.shift(); work; work = this.queue.shift()) {
        try {
          work();
        } catch (err) {
          this.logger.error("after-commit work threw; the commit stands", { error: String(err), stack: err instanceof Error ? err.stack : undefined });
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
