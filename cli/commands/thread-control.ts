import type { Command } from "commander";
import type { ParamsFor } from "../../client/index.js";
import type { CliContext } from "../context.js";
import { messageLine, printStatus, threadLines } from "./thread-format.js";

type Status = ParamsFor<"thread.status">["to"];
type Summary = Awaited<ReturnType<typeof summaryOf>>;

const summaryOf = (c: CliContext, id: string, text?: string) => c.call("thread.summarize", { id, text });

function summaryLines(s: Summary): string[] {
  const counts = Object.entries(s.counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const lines = [`summary    ${s.summary ?? "(none)"}`, `by kind    ${counts || "-"}`];
  if (s.findings.length > 0) lines.push("findings:");
  for (const f of s.findings) lines.push(`  ${String(f.cycles).padStart(2)} cycle(s)  #${f.first_seq}…#${f.last_seq}  ${f.excerpt}`);
  return lines;
}

/** Status changes and the operator's levers: summary, inspect, escalate, unblock, override. */
export function register(th: Command, ctx: () => CliContext): void {
  th.command("status <thread> <to>")
    .description("change the status (open, waiting, disputed, blocked, resolved, closed), checked against the status table")
    .option("--from <status>", "refuse unless the thread is in this status")
    .option("--reason <text>", "why (audited; needed to leave blocked or to close a disputed thread)")
    .action(async (id: string, to: string, o: { from?: string; reason?: string }) => {
      const c = ctx();
      printStatus(c, await c.call("thread.status", { id, to: to as Status, from: o.from as Status | undefined, reason: o.reason }));
    });
  th.command("summary <thread>")
    .description("the thread's summary, message counts and repeated findings; --text stores a new summary first")
    .option("--text <summary>", "a new summary to store")
    .action(async (id: string, o: { text?: string }) => {
      const c = ctx();
      const s = await summaryOf(c, id, o.text);
      if (c.out.json) return c.out.printJson(s);
      c.out.print(summaryLines(s).join("\n"));
    });
  th.command("inspect <thread>")
    .description("everything the operator needs to steer: status, escalation, loop counters, findings, the last messages")
    .option("--last <n>", "how many recent messages to show (default 10)", (v: string) => Number.parseInt(v, 10), 10)
    .action(async (id: string, o: { last: number }) => {
      const c = ctx();
      const s = await summaryOf(c, id);
      const since = Math.max(0, s.thread.last_seq - Math.max(0, o.last));
      const { messages } = await c.call("thread.read", { id, since });
      if (c.out.json) return c.out.printJson({ ...s, messages });
      const lines = [...threadLines(s.thread), ...summaryLines(s), "", `last ${messages.length} message(s):`, ...messages.map(messageLine)];
      if (s.thread.status === "blocked")
        lines.push("", c.out.warn(`blocked: swarmctl thread unblock ${id} --reason TEXT (or override --to STATUS --reason TEXT)`));
      c.out.print(lines.join("\n"));
    });
  registerLevers(th, ctx);
}

/** The operator's levers on a thread: trigger, escalate, unblock, override. */
function registerLevers(th: Command, ctx: () => CliContext): void {
  th.command("trigger <thread>")
    .description("ask for a participant (default: every other participant) to be woken to look at the thread (see `swarmctl wake list`)")
    .option("--participant <agent>", "the participant to wake")
    .option("--reason <text>", "what it should look at")
    .action(async (id: string, o: { participant?: string; reason?: string }) => {
      const c = ctx();
      const r = await c.call("thread.trigger", { id, participant: o.participant, reason: o.reason });
      if (c.out.json) return c.out.printJson(r);
      const wakes = r.wakes.map((w) => `${w.participant} ${w.wake_id}${w.outcome ? ` ${w.outcome}` : ""}${w.deduped_into ? ` (into ${w.deduped_into})` : ""}`);
      c.out.print(`${id}: trigger ${r.status} for ${r.participants.join(", ") || "(nobody)"}${wakes.length ? `; wakes: ${wakes.join(", ")}` : ""}`);
    });
  th.command("escalate <thread>")
    .description("raise the thread to the operator (thread.escalated event); the status stays")
    .requiredOption("--reason <text>", "why (audited)")
    .action(async (id: string, o: { reason: string }) => {
      const c = ctx();
      printStatus(c, await c.call("thread.escalate", { id, reason: o.reason }));
    });
  th.command("unblock <thread>")
    .description("return a blocked thread to work, clearing its escalation and loop counters")
    .requiredOption("--reason <text>", "why (audited)")
    .option("--to <status>", "the status to return to (default open)")
    .action(async (id: string, o: { reason: string; to?: string }) => {
      const c = ctx();
      printStatus(c, await c.call("thread.unblock", { id, reason: o.reason, to: o.to as Status | undefined }));
    });
  th.command("override <thread>")
    .description("set any status regardless of the status table and role rules (e.g. reopen a closed thread)")
    .requiredOption("--to <status>", "the status to set")
    .requiredOption("--reason <text>", "why (audited)")
    .action(async (id: string, o: { to: string; reason: string }) => {
      const c = ctx();
      printStatus(c, await c.call("thread.override", { id, to: o.to as Status, reason: o.reason }));
    });
}
