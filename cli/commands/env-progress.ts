import type { EventRecord } from "../../protocol/events.js";
import { NOTIFICATIONS } from "../../protocol/events.js";
import type { CliContext } from "../context.js";

/**
 * Shows `env.progress` events for the given environments on stderr while `work` runs:
 * updated in place on a terminal, one line per phase otherwise. Quiet with --json.
 */
export async function withProgress<T>(ctx: CliContext, names: string[] | null, work: () => Promise<T>): Promise<T> {
  if (ctx.out.json) return work();
  const client = await ctx.client();
  const tty = process.stderr.isTTY === true;
  const lastPhase = new Map<string, string>();
  let dirty = false;
  const off = client.on(NOTIFICATIONS.event, (p) => {
    const ev = (p as { event: EventRecord }).event;
    if (ev.type !== "env.progress" || !ev.subject || (names && !names.includes(ev.subject))) return;
    const d = ev.data as { op?: string; phase?: string; done?: number; total?: number; message?: string };
    const count = d.total !== undefined ? ` ${d.done ?? 0}/${d.total}` : "";
    const text = `${ev.subject}: ${d.op ?? ""} ${d.phase ?? ""}${count}${d.message ? ` - ${d.message}` : ""}`;
    if (tty) {
      process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns || 80) - 1)}`);
      dirty = true;
    } else if (lastPhase.get(ev.subject) !== d.phase) {
      lastPhase.set(ev.subject, d.phase ?? "");
      process.stderr.write(text + "\n");
    }
  });
  const sub = await client.call<{ subscription: number }>("event.subscribe", { types: ["env.progress"] });
  try {
    return await work();
  } finally {
    off();
    await client.call("event.unsubscribe", { subscription: sub.subscription }).catch(() => {});
    if (dirty) process.stderr.write("\r\x1b[K");
  }
}
