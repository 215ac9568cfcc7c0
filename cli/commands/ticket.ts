import fs from "node:fs";
import type { Command } from "commander";
import { SwarmError } from "../../protocol/errors.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { ticketBodyTooBig } from "../../protocol/limits.js";
import type { ParamsFor, RpcClient } from "../../client/index.js";
import type { CliContext, CommandGroup } from "../context.js";
import { COLUMNS, registerFiles, registerWorkflow } from "./ticket-files.js";

const collect = (v: string, prev: string[]) => [...prev, v];

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new SwarmError("INVALID_ARGUMENT", `${name} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

function bodyFrom(o: { body?: string; bodyFile?: string }): string | undefined {
  if (o.body !== undefined && o.bodyFile !== undefined) throw new SwarmError("INVALID_ARGUMENT", "give --body or --body-file, not both");
  if (o.bodyFile === undefined) return o.body;
  try {
    return fs.readFileSync(o.bodyFile === "-" ? 0 : o.bodyFile, "utf8");
  } catch (err) {
    throw new SwarmError("INVALID_ARGUMENT", `cannot read --body-file ${o.bodyFile}: ${(err as Error).message}`);
  }
}

function printTicket(c: CliContext, t: Ticket): void {
  if (c.out.json) return c.out.printJson(t);
  c.out.print(`${t.id}  ${t.state}  ${t.title}`);
}

/** A body the daemon would refuse is refused here, with the daemon's words, before it is sent. */
function checkBodySize(client: RpcClient, body: string): void {
  const max = client.limits.maxTicketBodyBytes;
  const size = Buffer.byteLength(body, "utf8");
  // A body too big for one frame gets the frame error from the client instead (it could never be sent).
  if (max !== undefined && size > max && size <= (client.limits.maxFrameBytes ?? Infinity)) throw ticketBodyTooBig(size, max);
}

function showTicket(
  c: CliContext,
  t: Ticket,
  history: { ts: string; from: string | null; to: string; actor: string | null; reason: string | null }[],
  waiting: string | null,
): void {
  if (c.out.json) return c.out.printJson({ ...t, history, waiting });
  const lines = [
    `${t.id}  ${t.title}`,
    `state      ${t.state}${t.state_reason ? ` (${t.state_reason})` : ""}`,
    ...(waiting ? [`waiting    ${c.out.warn(waiting)}`] : []),
    `workspace  ${t.workspace}   priority ${t.priority}   attempts ${t.attempts}${t.max_attempts ? `/${t.max_attempts}` : ""}`,
    `labels     ${t.labels.join(", ") || "-"}`,
    `depends on ${t.depends_on.join(", ") || "-"}`,
    `approval   ${t.requires_approval ? "required" : "not required"}`,
  ];
  if (t.workflow_id) lines.push(`workflow   ${t.workflow_id}`);
  if (t.source_file) lines.push(`file       ${t.source_file}`);
  if (t.lease_owner) lines.push(`lease      ${t.lease_owner} until ${new Date(t.lease_expires_at ?? 0).toISOString()}`);
  if (t.result !== null) lines.push(`result     ${JSON.stringify(t.result)}`);
  if (t.body) lines.push("", t.body);
  lines.push("", "history:");
  for (const h of history) lines.push(`  ${h.ts}  ${h.from ?? "-"} → ${h.to}  ${h.actor ?? ""}${h.reason ? `  ${c.out.dim(h.reason)}` : ""}`);
  c.out.print(lines.join("\n"));
}

function registerSubmit(ticket: Command, ctx: () => CliContext): void {
  ticket
    .command("submit")
    .description("create a ticket (prints it; with --json the ticket object with its id)")
    .requiredOption("--title <title>", "one-line title")
    .option("--body <text>", "description (Markdown)")
    .option("--body-file <file>", "read the description from a file (- for stdin)")
    .option("--depends-on <id>", "a ticket this one waits for (repeatable)", collect, [])
    .option("--priority <n>", "higher runs first (default 0)")
    .option("--label <label>", "a label (repeatable)", collect, [])
    .option("--approval", "require an approval before done")
    .option("--idempotency-key <key>", "submitting again with this key returns the same ticket")
    .option("--workspace <name>", "workspace (default: default)")
    .option("--agent-kind <kind>", "which kind of agent should work on it")
    .action(
      async (o: {
        title: string;
        body?: string;
        bodyFile?: string;
        dependsOn: string[];
        priority?: string;
        label: string[];
        approval?: boolean;
        idempotencyKey?: string;
        workspace?: string;
        agentKind?: string;
      }) => {
        const c = ctx();
        const body = bodyFrom(o);
        if (body !== undefined) checkBodySize(await c.client(), body);
        const r = await c.call("ticket.submit", {
          title: o.title,
          body,
          depends_on: o.dependsOn,
          priority: int("--priority", o.priority),
          labels: o.label,
          requires_approval: o.approval === true,
          idempotency_key: o.idempotencyKey,
          workspace: o.workspace,
          agent_kind: o.agentKind,
        });
        printTicket(c, r.ticket);
      },
    );
}

function registerRead(ticket: Command, ctx: () => CliContext): void {
  ticket
    .command("list")
    .description("list tickets, newest first (--json: an array of tickets)")
    .option("--state <state>", "only tickets in this state")
    .option("--workspace <name>", "only this workspace")
    .option("--label <label>", "only tickets with this label")
    .option("--workflow <id>", "only tickets of this workflow")
    .option("--limit <n>", "at most this many", "1000")
    .action(async (o: { state?: string; workspace?: string; label?: string; workflow?: string; limit: string }) => {
      const c = ctx();
      const r = await c.call("ticket.list", {
        // the daemon's schema refuses an unknown state, naming the allowed ones
        state: o.state as NonNullable<ParamsFor<"ticket.list">>["state"],
        workspace: o.workspace,
        label: o.label,
        workflow_id: o.workflow,
        limit: int("--limit", o.limit),
      });
      if (c.out.json) return c.out.printJson(r.tickets);
      c.out.table(
        r.tickets.map((t) => ({ ...t, deps: t.depends_on.join(",") || "-" })),
        COLUMNS,
      );
    });

  ticket
    .command("show <id>")
    .description("a ticket with its history")
    .action(async (id: string) => {
      const c = ctx();
      const t = await c.call("ticket.get", { id });
      const h = await c.call("ticket.history", { id });
      const why = await c.call("coordinator.why", { id });
      showTicket(c, t, h.transitions, why.waiting);
    });
}

function registerChange(ticket: Command, ctx: () => CliContext): void {
  ticket
    .command("edit <id>")
    .description("change a ticket's title, body, priority, labels or approval requirement")
    .option("--title <title>")
    .option("--body <text>")
    .option("--body-file <file>")
    .option("--priority <n>")
    .option("--label <label>", "replaces the labels (repeatable)", collect, [])
    .option("--approval", "require an approval before done")
    .option("--no-approval", "no approval needed")
    .action(async (id: string, o: { title?: string; body?: string; bodyFile?: string; priority?: string; label: string[]; approval?: boolean }) => {
      const c = ctx();
      const body = bodyFrom(o);
      if (body !== undefined) checkBodySize(await c.client(), body);
      const t = await c.call("ticket.update", {
        id,
        title: o.title,
        body,
        priority: int("--priority", o.priority),
        labels: o.label.length ? o.label : undefined,
        requires_approval: o.approval,
      });
      printTicket(c, t);
    });

  for (const [name, method, what] of [
    ["cancel", "ticket.cancel", "cancel a ticket (history kept)"],
    ["retry", "ticket.retry", "put a failed, cancelled or blocked ticket back in the queue"],
  ] as const) {
    ticket
      .command(`${name} <id>`)
      .description(what)
      .option("--reason <text>", "why (kept in the history)")
      .action(async (id: string, o: { reason?: string }) => {
        const c = ctx();
        printTicket(c, await c.call(method, { id, reason: o.reason }));
      });
  }

  ticket
    .command("deps <id>")
    .description("add or remove dependencies (a cycle is refused, naming it)")
    .option("--add <id>", "depend on this ticket (repeatable)", collect, [])
    .option("--remove <id>", "stop depending on this ticket (repeatable)", collect, [])
    .action(async (id: string, o: { add: string[]; remove: string[] }) => {
      const c = ctx();
      if (o.add.length === 0 && o.remove.length === 0) throw new SwarmError("INVALID_ARGUMENT", "give --add ID or --remove ID");
      const t = await c.call("ticket.deps", { id, add: o.add, remove: o.remove });
      if (c.out.json) return c.out.printJson(t);
      c.out.print(`${t.id}  ${t.state}  depends on ${t.depends_on.join(", ") || "nothing"}`);
    });
}

export const register: CommandGroup = (program: Command, ctx) => {
  const ticket = program.command("ticket").description("submit, list, inspect and change tickets; workflows; ticket files");
  registerSubmit(ticket, ctx);
  registerRead(ticket, ctx);
  registerChange(ticket, ctx);
  registerWorkflow(ticket, ctx);
  registerFiles(ticket, ctx);
};
