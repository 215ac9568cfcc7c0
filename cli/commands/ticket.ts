import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { ERROR_KINDS, SwarmError } from "../../protocol/errors.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import type { CliContext, CommandGroup } from "../context.js";

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

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new SwarmError("INVALID_ARGUMENT", `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SwarmError("INVALID_ARGUMENT", `${file} is not valid JSON: ${(err as Error).message}`, {
      hint: 'a workflow file is {"name": "...", "tickets": [{"key": "a", "title": "...", "depends_on": []}, ...]}',
    });
  }
}

const COLUMNS = [{ key: "id" }, { key: "state" }, { key: "priority", header: "prio" }, { key: "attempts", header: "tries" }, { key: "deps" }, { key: "title" }];

function printTicket(c: CliContext, t: Ticket): void {
  if (c.out.json) return c.out.printJson(t);
  c.out.print(`${t.id}  ${t.state}  ${t.title}`);
}

function showTicket(c: CliContext, t: Ticket, history: { ts: string; from: string | null; to: string; actor: string | null; reason: string | null }[]): void {
  if (c.out.json) return c.out.printJson({ ...t, history });
  const lines = [
    `${t.id}  ${t.title}`,
    `state      ${t.state}${t.state_reason ? ` (${t.state_reason})` : ""}`,
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

export const register: CommandGroup = (program: Command, ctx) => {
  const ticket = program.command("ticket").description("submit, list, inspect and change tickets; workflows; ticket files");

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
        const r = await c.call<{ ticket: Ticket; created: boolean }>("ticket.submit", {
          title: o.title,
          body: bodyFrom(o),
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
      const r = await c.call<{ tickets: Ticket[] }>("ticket.list", {
        state: o.state,
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
      const t = await c.call<Ticket>("ticket.get", { id });
      const h = await c.call<{ transitions: { ts: string; from: string | null; to: string; actor: string | null; reason: string | null }[] }>(
        "ticket.history",
        { id },
      );
      showTicket(c, t, h.transitions);
    });

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
      const t = await c.call<Ticket>("ticket.update", {
        id,
        title: o.title,
        body: bodyFrom(o),
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
        printTicket(c, await c.call<Ticket>(method, { id, reason: o.reason }));
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
      const t = await c.call<Ticket>("ticket.deps", { id, add: o.add, remove: o.remove });
      if (c.out.json) return c.out.printJson(t);
      c.out.print(`${t.id}  ${t.state}  depends on ${t.depends_on.join(", ") || "nothing"}`);
    });

  const wf = ticket.command("workflow").description("submit a DAG of tickets at once, or show one");
  wf.command("submit <file>")
    .description('create every ticket of FILE.json atomically: {"name", "idempotency_key"?, "tickets": [{"key", "title", "depends_on": [keys]}]}')
    .action(async (file: string) => {
      const c = ctx();
      const r = await c.call<{ workflow: { id: string }; state: string; tickets: (Ticket & { key: string })[] }>("ticket.workflow_submit", readJsonFile(file));
      if (c.out.json) return c.out.printJson(r);
      c.out.print(`workflow ${r.workflow.id} (${r.state})`);
      c.out.table(
        r.tickets.map((t) => ({ ...t, deps: t.depends_on.join(",") || "-" })),
        [{ key: "key" }, ...COLUMNS],
      );
    });
  wf.command("show <id>")
    .description("a workflow and every child's state")
    .action(async (id: string) => {
      const c = ctx();
      const r = await c.call<{
        workflow: { id: string; name: string | null };
        state: string;
        counts: Record<string, number>;
        tickets: (Ticket & { key: string })[];
      }>("ticket.workflow", { id });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(
        `workflow ${r.workflow.id}${r.workflow.name ? ` "${r.workflow.name}"` : ""}: ${r.state}  ${Object.entries(r.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
      );
      c.out.table(
        r.tickets.map((t) => ({ ...t, deps: t.depends_on.join(",") || "-" })),
        [{ key: "key" }, ...COLUMNS],
      );
    });

  ticket
    .command("lint [dir]")
    .description("check a folder of ticket files (default ./tickets); exit 2 when a file has a problem")
    .action(async (dir: string | undefined) => {
      const c = ctx();
      const r = await c.call<{ dir: string; files: number; ok: boolean; problems: { file: string; message: string; line: number | null }[] }>("ticket.lint", {
        dir: path.resolve(dir ?? "tickets"),
      });
      if (!r.ok) c.exitCode = ERROR_KINDS.INVALID_ARGUMENT.exitCode;
      if (c.out.json) return c.out.printJson(r);
      for (const p of r.problems)
        c.out.print(`${path.relative(process.cwd(), p.file) || p.file}${p.line ? `:${p.line}` : ""}: ${c.out.fail("error")} ${p.message}`);
      c.out.print(r.ok ? c.out.ok(`${r.files} ticket file(s) OK`) : `${r.problems.length} problem(s) in ${r.files} file(s)`);
    });

  ticket
    .command("watch <dir>")
    .description("sync a folder of ticket files into the queue and keep watching it (kept across restarts)")
    .action(async (dir: string) => {
      const c = ctx();
      const r = await c.call<{ dir: string; synced: number; problems: { file: string; message: string }[] }>("ticket.watch", { dir: path.resolve(dir) });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(
        `watching ${r.dir}: ${r.synced} file(s) synced${r.problems.length ? `, ${r.problems.length} problem(s) (see \`swarmctl ticket lint ${dir}\`)` : ""}`,
      );
    });
  ticket
    .command("unwatch <dir>")
    .description("stop watching a folder (its tickets stay)")
    .action(async (dir: string) => {
      const c = ctx();
      const r = await c.call<{ dir: string; removed: boolean }>("ticket.unwatch", { dir: path.resolve(dir) });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(r.removed ? `stopped watching ${r.dir}` : `${r.dir} was not watched`);
    });
};
