import type { EventRecord } from "../../protocol/events.js";
import { NOTIFICATIONS } from "../../protocol/events.js";
import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/event.js";
import type { DaemonContext } from "../context.js";
import { matchesTypes } from "../events/event-log.js";
import { handle, type HandlerEntry } from "../rpc/handler.js";
import type { Connection } from "../rpc/handler.js";

const CATCH_UP_PAGE = 500;

/**
 * One subscription streams events by cursor: live events are sent while the socket keeps
 * up; when it backs up, live sending stops and resumes from the database on drain. So a
 * slow client costs no daemon memory and still sees every event once, in order.
 */
class Subscription {
  cursor: number;
  /** While true, live events are ignored and the database is the source. */
  lagging = false;
  private stopped = false;
  private readonly unlisten: () => void;

  constructor(
    readonly id: number,
    private readonly ctx: DaemonContext,
    private readonly conn: Connection,
    since: number,
    private readonly types: string[] | undefined,
  ) {
    this.cursor = since;
    this.unlisten = ctx.events.subscribe((ev) => this.onLive(ev));
    conn.onDrain(() => this.catchUp());
  }

  private send(ev: EventRecord): boolean {
    this.cursor = ev.id;
    if (!matchesTypes(ev.type, this.types)) return true;
    return this.conn.notify(NOTIFICATIONS.event, { subscription: this.id, event: ev });
  }

  private onLive(ev: EventRecord): void {
    if (this.stopped || this.lagging || ev.id <= this.cursor) return;
    if (ev.id !== this.cursor + 1 && this.cursor !== 0) {
      // An id was skipped (never happens with one writer, but be safe): read the gap.
      this.lagging = true;
      this.catchUp();
      return;
    }
    if (!this.send(ev) || this.conn.isBackedUp()) this.lagging = true;
  }

  /** Replays from the database until caught up or the socket backs up again. */
  catchUp(): void {
    if (this.stopped) return;
    this.lagging = true;
    for (;;) {
      if (this.conn.closed) return;
      const page = this.ctx.events.list(this.cursor, CATCH_UP_PAGE);
      if (page.length === 0) {
        this.lagging = false;
        return;
      }
      for (const ev of page) {
        this.send(ev);
        if (this.conn.isBackedUp()) return; // resumes on drain
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.unlisten();
  }
}

export function eventHandlers(ctx: DaemonContext): HandlerEntry[] {
  const subs = new Map<number, Map<number, Subscription>>();
  let nextSub = 1;
  return [
    handle(m.eventSubscribe, (p, call) => {
      const conn = call.connection;
      let mine = subs.get(conn.id);
      if (!mine) {
        const created = new Map<number, Subscription>();
        subs.set(conn.id, created);
        conn.onClose(() => {
          for (const s of created.values()) s.stop();
          subs.delete(conn.id);
        });
        mine = created;
      }
      const lastId = ctx.events.lastId();
      const since = p.since ?? lastId;
      const sub = new Subscription(nextSub++, ctx, conn, since, p.types);
      mine.set(sub.id, sub);
      if (since < lastId) sub.lagging = true;
      // Replay after the reply is written, so the client knows the subscription id first.
      if (since < lastId) setImmediate(() => sub.catchUp());
      return { subscription: sub.id, last_id: lastId };
    }),
    handle(m.eventUnsubscribe, (p, call) => {
      const s = subs.get(call.connection.id)?.get(p.subscription);
      if (!s) throw new SwarmError("NOT_FOUND", `no subscription ${p.subscription} on this connection`);
      s.stop();
      subs.get(call.connection.id)?.delete(p.subscription);
      return { ok: true as const };
    }),
    handle(m.eventList, (p) => ({ events: ctx.events.list(p.since, p.limit, p.types), last_id: ctx.events.lastId() })),
    handle(m.eventPublish, (p) => ({ id: ctx.events.append(p.type, p.subject ?? null, p.data).id })),
  ];
}
