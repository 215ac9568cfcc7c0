import type { Command } from "commander";
import type { ParamsFor } from "../../client/index.js";
import type { CliContext, CommandGroup } from "../context.js";
import { register as registerControl } from "./thread-control.js";
import { messageLine, parseParticipant, parseSeq, printThread } from "./thread-format.js";

type Kind = NonNullable<ParamsFor<"thread.post">["kind"]>;
type Status = NonNullable<ParamsFor<"thread.list">>["status"];

/** `swarmctl thread …`: the operator's side of threads (docs/threads.md). Calls without a token are the operator's. */
export const register: CommandGroup = (program: Command, ctx) => {
  const th = program.command("thread").description("threads between agents: create, post, read, steer");
  th.command("create")
    .description("start a thread; --json prints it (with its id)")
    .requiredOption("--title <title>", "what the thread is about")
    .option("--participant <agent[:role]>", "an agent taking part, with its role in this thread (repeatable)", parseParticipant, [])
    .option("--ticket <id>", "the ticket this thread belongs to")
    .option("--type <type>", "a free label, e.g. review (default discussion)")
    .option("--workspace <name>", "default: `default`")
    .option("--idempotency-key <key>", "the same key again returns the first thread")
    .action(
      async (o: {
        title: string;
        participant: { agent_id: string; role?: string }[];
        ticket?: string;
        type?: string;
        workspace?: string;
        idempotencyKey?: string;
      }) => {
        const c = ctx();
        const r = await c.call("thread.create", {
          title: o.title,
          participants: o.participant,
          ticket_id: o.ticket,
          type: o.type,
          workspace: o.workspace,
          idempotency_key: o.idempotencyKey,
        });
        if (c.out.json) return c.out.printJson(r.thread);
        c.out.print(`${r.thread.id} ${r.created ? "created" : "exists (same idempotency key)"}: ${r.thread.title}`);
      },
    );
  th.command("list")
    .description("threads, most recently updated first")
    .option("--status <status>", "open, waiting, disputed, blocked, resolved or closed")
    .option("--participant <agent>", "only threads this agent takes part in")
    .option("--ticket <id>", "only this ticket's threads")
    .option("--workspace <name>", "only this workspace")
    .option("--escalated", "only threads with an open escalation")
    .option("--agent <agent>", "report unread counts for this agent (default: yours, the operator's)")
    .action(async (o: { status?: string; participant?: string; ticket?: string; workspace?: string; escalated?: boolean; agent?: string }) => {
      const c = ctx();
      const r = await c.call("thread.list", {
        status: o.status as Status,
        participant: o.participant,
        ticket_id: o.ticket,
        workspace: o.workspace,
        escalated: o.escalated,
        agent: o.agent,
      });
      if (c.out.json) return c.out.printJson(r);
      c.out.table(
        r.threads.map((t) => ({ ...t, status: t.escalation ? `${t.status}!` : t.status, participants: t.participants.map((p) => p.agent_id).join(",") })),
        [
          { key: "id" },
          { key: "status" },
          { key: "last_seq", header: "msgs" },
          { key: "unread" },
          { key: "participants" },
          { key: "ticket_id", header: "ticket" },
          { key: "title" },
        ],
      );
    });
  th.command("show <thread>")
    .description("a thread with its participants, cursors and unread counts")
    .action(async (id: string) => {
      const c = ctx();
      printThread(c, await c.call("thread.get", { id }));
    });
  registerMessages(th, ctx);
  registerControl(th, ctx);
};

/** post, read, ack: the message side. */
function registerMessages(th: Command, ctx: () => CliContext): void {
  th.command("post <thread> <text>")
    .description("append a message; --json prints it (with its seq)")
    .option("--as <agent>", "post as this agent (the operator may speak for an agent; default: operator)")
    .option("--kind <kind>", "message, finding or status (default message)")
    .option("--reply-to <seq>", "the seq this answers", parseSeq("--reply-to"))
    .option("--progress", "this message reports progress (resets the no-progress count)")
    .option("--idempotency-key <key>", "the same key again (same author) prints the first message instead of posting twice")
    .action(async (id: string, text: string, o: { as?: string; kind?: string; replyTo?: number; progress?: boolean; idempotencyKey?: string }) => {
      const c = ctx();
      const r = await c.call("thread.post", {
        id,
        body: text,
        as: o.as,
        kind: o.kind as Kind | undefined,
        in_reply_to: o.replyTo,
        progress: o.progress,
        idempotency_key: o.idempotencyKey,
      });
      if (c.out.json) return c.out.printJson(r.message);
      c.out.print(`${id} #${r.message.seq} ${r.created ? "posted" : "already posted (same idempotency key)"} by ${r.message.author}`);
    });
  th.command("read <thread>")
    .description("messages in seq order (does not move the read cursor: see ack); --json prints {messages: […]}")
    .option("--since <seq>", "messages after this seq (default: all, for the operator)", parseSeq("--since"))
    .option("--as <agent>", "read from this agent's cursor (unread counts are its)")
    .option("--limit <n>", "at most this many", parseSeq("--limit"))
    .action(async (id: string, o: { since?: number; as?: string; limit?: number }) => {
      const c = ctx();
      const r = await c.call("thread.read", { id, since: o.since, as: o.as, limit: o.limit });
      if (c.out.json) return c.out.printJson(r);
      if (r.messages.length === 0) c.out.print(c.out.dim(`(no messages after #${o.since ?? r.last_read_seq}; newest #${r.last_seq})`));
      for (const m of r.messages) c.out.print(messageLine(m));
    });
  th.command("ack <thread>")
    .argument("[seq]", "the last message read (default: the newest)", parseSeq("SEQ"))
    .description("move the read cursor to SEQ (default: the newest message); never backwards")
    .option("--as <agent>", "move this agent's cursor (default: the operator's)")
    .action(async (id: string, seq: number | undefined, o: { as?: string }) => {
      const c = ctx();
      const r = await c.call("thread.ack", { id, seq, as: o.as });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(`${id} read up to #${r.last_read_seq}${r.moved ? "" : " (unchanged)"}; ${r.unread} unread`);
    });
}
