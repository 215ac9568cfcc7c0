import { userName } from "../../protocol/os.js";
import type { Command } from "commander";
import type { Approval } from "../../protocol/methods/approval.js";
import type { ParamsFor } from "../../client/index.js";
import type { CliContext, CommandGroup } from "../context.js";

type Full = Approval & { audit: { ts: string; action: string; actor: string; reason: string | null }[] };

function show(c: CliContext, a: Full): void {
  if (c.out.json) return c.out.printJson(a);
  const lines = [
    `${a.id}  ${a.state}${a.expired ? " (expired)" : ""}${a.ticket_id ? `  ticket ${a.ticket_id}` : ""}`,
    `requested  by ${a.requested_by} at ${a.requested_at}; expires ${a.expires_at}`,
  ];
  if (a.decided_by) lines.push(`decided    by ${a.decided_by} at ${a.decided_at}${a.decision_reason ? `: ${a.decision_reason}` : ""}`);
  if (a.workdir) lines.push(`workdir    ${a.workdir} (against ${a.base})`);
  lines.push(`files      ${a.files_changed.join(", ") || "-"}`, "", a.summary, "");
  if (a.diff) lines.push(a.diff + (a.diff_truncated ? "\n… diff truncated (approvals.max_diff_bytes)" : ""));
  lines.push("audit:");
  for (const e of a.audit) lines.push(`  ${e.ts}  ${e.action}  ${e.actor}${e.reason ? `  ${e.reason}` : ""}`);
  c.out.print(lines.join("\n"));
}

export const register: CommandGroup = (program: Command, ctx) => {
  const ap = program.command("approval").description("list, inspect and decide approval requests");
  ap.command("list")
    .description("approvals, newest first")
    .option("--state <state>", "pending, approved, rejected or clarification_requested")
    .option("--ticket <id>", "only this ticket's")
    .action(async (o: { state?: string; ticket?: string }) => {
      const c = ctx();
      // the daemon's schema refuses an unknown state, naming the allowed ones
      const r = await c.call("approval.list", { state: o.state as NonNullable<ParamsFor<"approval.list">>["state"], ticket_id: o.ticket });
      if (c.out.json) return c.out.printJson(r.approvals);
      c.out.table(
        // a summary can hold a diffstat: one line a row keeps the table a table (`approval show` has it all)
        r.approvals.map((a) => ({ ...a, files: a.files_changed.length, summary: a.summary.split("\n")[0] ?? "" })),
        [
          { key: "id" },
          { key: "state" },
          { key: "ticket_id", header: "ticket" },
          { key: "files" },
          { key: "requested_by", header: "by" },
          { key: "expires_at", header: "expires" },
          { key: "summary" },
        ],
      );
    });
  ap.command("show <id>")
    .description("an approval with its diff and audit trail")
    .action(async (id: string) => {
      const c = ctx();
      show(c, await c.call("approval.get", { id }));
    });
  ap.command("request")
    .description("ask for an approval (moves the ticket to review); attaches the diff of --workdir against --base")
    .requiredOption("--summary <text>", "what is to be approved")
    .option("--ticket <id>", "the ticket waiting on it")
    .option("--workdir <dir>", "git work tree whose changes are attached")
    .option("--base <rev>", "diff against this commit-ish (default HEAD)")
    .action(async (o: { summary: string; ticket?: string; workdir?: string; base?: string }) => {
      const c = ctx();
      const a = await c.call("approval.request", { summary: o.summary, ticket_id: o.ticket, workdir: o.workdir, base: o.base, requested_by: userName() });
      if (c.out.json) return c.out.printJson(a);
      c.out.print(`${a.id} pending (${a.files_changed.length} file(s) changed); expires ${a.expires_at}`);
    });
  for (const [name, method, what] of [
    ["approve", "approval.approve", "approve; the ticket becomes done"],
    ["reject", "approval.reject", "reject (needs --reason); the ticket fails"],
    ["clarify", "approval.clarify", "ask for clarification (needs --reason); the ticket is blocked until a new request"],
  ] as const) {
    ap.command(`${name} <id>`)
      .description(what)
      .option("--reason <text>", "why (audited)")
      .option("--as <name>", "who decides (default: your user name)")
      .action(async (id: string, o: { reason?: string; as?: string }) => {
        const c = ctx();
        const a = await c.call(method, { id, reason: o.reason, actor: o.as ?? userName() });
        if (c.out.json) return c.out.printJson(a);
        c.out.print(`${a.id} ${a.state} by ${a.decided_by}${a.ticket_id ? ` (ticket ${a.ticket_id})` : ""}`);
      });
  }
};
