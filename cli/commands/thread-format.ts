import { InvalidArgumentError } from "commander";
import type { Message, Thread } from "../../protocol/thread/model.js";
import type { CliContext } from "../context.js";

/** Human output of threads and messages, shared by the thread commands. */
export function threadLines(t: Thread): string[] {
  const lines = [
    `${t.id}  ${t.status}${t.status_reason ? ` (${t.status_reason})` : ""}  ${t.title}`,
    `workspace  ${t.workspace}  type ${t.type}${t.ticket_id ? `  ticket ${t.ticket_id}` : ""}`,
    `messages   ${t.last_seq}  unread ${t.unread}  no-progress turns ${t.no_progress_turns}`,
    `created    by ${t.created_by} at ${t.created_at}; updated ${t.updated_at}`,
  ];
  if (t.escalation) lines.push(`ESCALATED  ${t.escalation.kind} by ${t.escalation.by} at ${t.escalation.at}: ${t.escalation.reason}`);
  lines.push("participants:");
  for (const p of t.participants) lines.push(`  ${p.agent_id.padEnd(20)} ${p.role.padEnd(12)} read ${p.last_read_seq}  unread ${p.unread}`);
  if (t.participants.length === 0) lines.push("  (none)");
  return lines;
}

export function messageLine(m: Message): string {
  const reply = m.in_reply_to === null ? "" : ` ↳${m.in_reply_to}`;
  const kind = m.kind === "message" ? "" : ` [${m.kind}${m.progress ? ", progress" : ""}]`;
  return `#${m.seq}${reply}  ${m.author}${kind}  ${m.created_at}\n  ${m.body.replace(/\n/g, "\n  ")}`;
}

export function printThread(c: CliContext, t: Thread): void {
  if (c.out.json) return c.out.printJson(t);
  c.out.print(threadLines(t).join("\n"));
}

/** One line after a status change: what the thread is now. */
export function printStatus(c: CliContext, t: Thread): void {
  if (c.out.json) return c.out.printJson(t);
  c.out.print(`${t.id} ${t.status}${t.status_reason ? ` (${t.status_reason})` : ""}${t.escalation ? "  escalated" : ""}`);
}

/** `--participant AGENT[:ROLE]` (repeatable). */
export function parseParticipant(v: string, prev: { agent_id: string; role?: string }[]): { agent_id: string; role?: string }[] {
  const i = v.indexOf(":");
  const p = i < 0 ? { agent_id: v } : { agent_id: v.slice(0, i), role: v.slice(i + 1) };
  return [...prev, p];
}

/** A non-negative integer flag (`--since`, `--reply-to`, `--seq`); the daemon checks ranges. */
export function parseSeq(flag: string): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${flag} takes a message seq (0, 1, 2…), got ${JSON.stringify(v)}`);
    return Number(v);
  };
}
