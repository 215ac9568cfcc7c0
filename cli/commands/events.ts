import type { EventRecord } from "../../protocol/events.js";
import { followEvents } from "../../client/index.js";
import { SwarmError } from "../../protocol/errors.js";
import type { CliContext, CommandGroup } from "../context.js";

function line(ctx: CliContext, ev: EventRecord): string {
  if (ctx.out.json) return JSON.stringify(ev);
  const data = Object.keys(ev.data).length ? " " + ctx.out.dim(JSON.stringify(ev.data)) : "";
  return `${String(ev.id).padStart(6)}  ${ev.ts}  ${ev.type}${ev.subject ? ` ${ev.subject}` : ""}${data}`;
}

export const register: CommandGroup = (program, ctx) => {
  program
    .command("events")
    .description("print recorded events; --follow streams new ones (JSON lines with --json)")
    .option("--since <id>", "only events after this id", "0")
    .option("-f, --follow", "keep streaming live events; resumes after a daemon restart")
    .option("--type <type...>", "only these types (a trailing * matches a prefix)")
    .option("--limit <n>", "at most this many recorded events", "1000")
    .action(async (o: { since: string; follow?: boolean; type?: string[]; limit: string }) => {
      const c = ctx();
      const since = Number(o.since);
      if (!Number.isInteger(since) || since < 0) throw new SwarmError("INVALID_ARGUMENT", `--since must be an event id (0 or more), got ${o.since}`);
      if (!o.follow) {
        const r = await c.call("event.list", { since, limit: Number(o.limit), types: o.type });
        for (const ev of r.events) process.stdout.write(line(c, ev) + "\n");
        return;
      }
      // Follow: if the daemon goes away, reconnect and resume after the last id printed (no gap, no duplicate).
      let first = true;
      await followEvents({
        open: () => (first ? ((first = false), c.client()) : c.reconnect()),
        since,
        ...(o.type ? { types: o.type } : {}),
        onEvent: (ev) => void process.stdout.write(line(c, ev) + "\n"),
      });
    });
};
