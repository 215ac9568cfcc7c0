import type { EventRecord } from "../protocol/events.js";
import { NOTIFICATIONS } from "../protocol/notifications.js";
import type { RpcClient } from "./connection.js";

export interface FollowOptions {
  /** Opens a handshaken connection; called again after each disconnect. */
  open(): Promise<RpcClient>;
  /** Last event id already seen; events after it are delivered. Default 0 (everything). */
  since?: number;
  /** Only these types (a trailing `*` matches a prefix). */
  types?: string[];
  onEvent(ev: EventRecord): void;
  /**
   * Runs on each new connection before subscribing; when nothing has been seen yet it may
   * return where to start (e.g. the daemon's last id minus a few, for a screen of history).
   */
  onConnect?(c: RpcClient): Promise<number | void>;
  onDisconnect?(err: Error | null): void;
  /** Ends the follow: the connection is closed and the returned promise resolves. */
  signal?: AbortSignal;
  /** Pause before reconnecting (ms). */
  retryMs?: number;
}

/**
 * Streams events across reconnects with no gap and no duplicate: each (re)subscription asks
 * the daemon for everything after the last id delivered, and anything at or below it (a
 * replayed event racing a live one) is dropped.
 */
export async function followEvents(o: FollowOptions): Promise<void> {
  let last = o.since ?? 0;
  let seen = o.since !== undefined;
  while (!o.signal?.aborted) {
    let client: RpcClient | null = null;
    try {
      client = await o.open();
      const c = client;
      const closed = new Promise<void>((r) => c.onClose(r));
      const aborted = new Promise<void>((r) => o.signal?.addEventListener("abort", () => r(), { once: true }));
      c.on(NOTIFICATIONS.event, (p) => {
        if (p.event.id <= last) return;
        last = p.event.id;
        seen = true;
        o.onEvent(p.event);
      });
      const start = await o.onConnect?.(c);
      if (!seen && typeof start === "number") last = start;
      await c.call("event.subscribe", { since: last, ...(o.types ? { types: o.types } : {}) });
      await Promise.race([closed, aborted]);
      if (o.signal?.aborted) break;
      o.onDisconnect?.(null);
    } catch (err) {
      if (o.signal?.aborted) break;
      o.onDisconnect?.(err as Error);
    } finally {
      client?.close();
    }
    await new Promise<void>((r) => {
      const t = setTimeout(r, o.retryMs ?? 500);
      o.signal?.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
    });
  }
}
