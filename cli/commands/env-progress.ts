import type { EventRecord } from "../../protocol/events.js";
import { NOTIFICATIONS } from "../../protocol/notifications.js";
import type { CliContext } from "../context.js";

/** How one kind of progress event is shown on stderr. */
export interface ProgressView {
  /** the event type followed, e.g. env.progress */
  type: string;
  /** only events about these subjects; null = all */
  subjects: string[] | null;
  text(ev: EventRecord): string;
  /**
   * On a terminal: rewrite one line in place (true) or print every step (false). Off a
   * terminal, `step` (when given) thins the lines to one per distinct step of a subject.
   */
  inPlace: boolean;
  step?(ev: EventRecord): string;
}

/**
 * Shows progress events on stderr while `work` (an RPC on the same connection) runs.
 * Events are sent before the reply they lead to, so all of them are shown. Quiet with --json.
 */
export async function followProgress<T>(ctx: CliContext, view: ProgressView, work: () => Promise<T>): Promise<T> {
  if (ctx.out.json) return work();
  const client = await ctx.client();
  const tty = process.stderr.isTTY === true;
  const lastStep = new Map<string, string>();
  let dirty = false;
  const off = client.on(NOTIFICATIONS.event, ({ event: ev }) => {
    if (ev.type !== view.type || (view.subjects && (!ev.subject || !view.subjects.includes(ev.subject)))) return;
    const text = view.text(ev);
    if (tty && view.inPlace) {
      process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns || 80) - 1)}`);
      dirty = true;
      return;
    }
    if (view.step && !tty) {
      const step = view.step(ev);
      const key = ev.subject ?? "";
      if (lastStep.get(key) === step) return;
      lastStep.set(key, step);
    }
    process.stderr.write(text + "\n");
  });
  const sub = await client.call("event.subscribe", { types: [view.type] });
  try {
    return await work();
  } finally {
    off();
    await client.call("event.unsubscribe", { subscription: sub.subscription }).catch(() => {});
    if (dirty) process.stderr.write("\r\x1b[K");
  }
}

/**
 * Shows `env.progress` events for the given environments on stderr while `work` runs:
 * updated in place on a terminal, one line per phase otherwise. Quiet with --json.
 */
export function withProgress<T>(ctx: CliContext, names: string[] | null, work: () => Promise<T>): Promise<T> {
  return followProgress(
    ctx,
    {
      type: "env.progress",
      subjects: names,
      inPlace: true,
      step: (ev) => String((ev.data as { phase?: string }).phase ?? ""),
      text: (ev) => {
        const d = ev.data as { op?: string; phase?: string; done?: number; total?: number; message?: string };
        const count = d.total !== undefined ? ` ${d.done ?? 0}/${d.total}` : "";
        return `${ev.subject}: ${d.op ?? ""} ${d.phase ?? ""}${count}${d.message ? ` - ${d.message}` : ""}`;
      },
    },
    work,
  );
}
