import type { Command } from "commander";
import { SwarmError } from "../../protocol/errors.js";
import type { CliContext } from "../context.js";
import { PROXY_ALLOW_OPTION, createParams, type CreateOpts } from "./env-args.js";
import { withProgress } from "./env-progress.js";

interface BulkItem {
  name: string;
  ok: boolean;
  message: string;
}

function report(c: CliContext, results: BulkItem[]): void {
  const failed = results.filter((r) => !r.ok).length;
  if (c.out.json) c.out.printJson({ results, ok: results.length - failed, failed });
  else {
    c.out.table(
      results.map((r) => ({ ...r, ok: r.ok ? c.out.ok("ok") : c.out.fail("error") })),
      [{ key: "name" }, { key: "ok", header: "result" }, { key: "message" }],
    );
    c.out.print(`${results.length - failed} ok, ${failed} failed`);
  }
  if (failed > 0) c.exitCode = 1;
}

export function registerBulk(env: Command, ctx: () => CliContext): void {
  const bulk = env.command("bulk").description("create or delete many environments in parallel, with a result per item");
  bulk
    .command("create")
    .description("create one environment per name in PROJECT; exit 1 when any failed")
    .argument("<project>", "project the environments belong to")
    .argument("<names...>", "environment (task) names")
    .option("--provider <name>", "worktree | sandbox | vm (default from config)")
    .option("--repo <path>", "git repository (default: this folder's repository)")
    .option("--cpus <n>", "vCPUs to reserve per environment")
    .option("--memory <size>", "RAM to reserve per environment, e.g. 512M, 4G")
    .option("--net <mode>", "none | proxy | full")
    .option(...PROXY_ALLOW_OPTION)
    .action(async (project: string, names: string[], o: CreateOpts) => {
      const c = ctx();
      const params = { ...createParams(o, "env.bulk_create"), project, names };
      const r = await withProgress(c, names, () => c.call("env.bulk_create", params));
      report(c, r.results);
    });
  bulk
    .command("delete")
    .description("delete every environment of --project, or the NAMES given; exit 1 when any failed")
    .argument("[names...]", "environment names")
    .option("--project <p>", "every environment of this project")
    .option("--force", "delete even with unsaved work or live processes (worktree: goes to the trash)")
    .action(async (names: string[], o: { project?: string; force?: boolean }) => {
      const c = ctx();
      if ((o.project !== undefined) === names.length > 0) {
        throw new SwarmError("INVALID_ARGUMENT", "give either --project P or NAMES, not both and not neither");
      }
      const params = o.project !== undefined ? { project: o.project, force: o.force === true } : { names, force: o.force === true };
      const r = await c.call("env.bulk_delete", params);
      report(c, r.results);
    });
}
