import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { ERROR_KINDS, SwarmError } from "../../protocol/errors.js";
import type { ResultFor } from "../../client/index.js";
import type { CliContext } from "../context.js";

export const COLUMNS = [
  { key: "id" },
  { key: "state" },
  { key: "priority", header: "prio" },
  { key: "attempts", header: "tries" },
  { key: "deps" },
  { key: "title" },
];

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

export function registerWorkflow(ticket: Command, ctx: () => CliContext): void {
  const wf = ticket.command("workflow").description("submit a DAG of tickets at once, or show one");
  wf.command("submit <file>")
    .description('create every ticket of FILE.json atomically: {"name", "idempotency_key"?, "tickets": [{"key", "title", "depends_on": [keys]}]}')
    .action(async (file: string) => {
      const c = ctx();
      const r = await c.call<ResultFor<"ticket.workflow_submit">>("ticket.workflow_submit", readJsonFile(file));
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
      const r = await c.call("ticket.workflow", { id });
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
}

export function registerFiles(ticket: Command, ctx: () => CliContext): void {
  ticket
    .command("lint [dir]")
    .description("check a folder of ticket files (default ./tickets); exit 2 when a file has a problem")
    .action(async (dir: string | undefined) => {
      const c = ctx();
      const r = await c.call("ticket.lint", {
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
      const r = await c.call("ticket.watch", { dir: path.resolve(dir) });
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
      const r = await c.call("ticket.unwatch", { dir: path.resolve(dir) });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(r.removed ? `stopped watching ${r.dir}` : `${r.dir} was not watched`);
    });
}
