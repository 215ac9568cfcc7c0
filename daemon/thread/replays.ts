import type { Statement } from "better-sqlite3";
import type { Db } from "../store/db.js";

/**
 * The first result of a keyed call (thread.status, thread.trigger with an idempotency_key),
 * per caller, method and key: the bridge retries a call once after a lost connection, and
 * the retry must neither change a status twice nor wake anybody again. Written in the
 * call's own transaction, so a result is stored exactly when its effects are.
 */
export class Replays {
  private readonly get: Statement;
  private readonly put: Statement;

  constructor(db: Db) {
    this.get = db.prepare("SELECT result FROM thread_replays WHERE caller = ? AND method = ? AND key = ?");
    this.put = db.prepare("INSERT INTO thread_replays (caller, method, key, result, created_at) VALUES (?, ?, ?, ?, ?)");
  }

  /** `fn`'s result, or without a key just `fn()`; with a key used before, that first result and no call. */
  once<T>(caller: string, method: string, key: string | undefined, fn: () => T): T {
    if (!key) return fn();
    const prior = this.get.get(caller, method, key) as { result: string } | undefined;
    if (prior) return JSON.parse(prior.result) as T;
    const result = fn();
    this.put.run(caller, method, key, JSON.stringify(result), new Date().toISOString());
    return result;
  }
}
