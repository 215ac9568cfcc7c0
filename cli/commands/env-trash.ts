import { InvalidArgumentError, type Command } from "commander";
import { parseDurationMs } from "../../protocol/units.js";
import type { CliContext } from "../context.js";

function parseOlderThan(v: string): number {
  const ms = parseDurationMs(v);
  if (ms === null) throw new InvalidArgumentError(`--older-than takes a duration like 7d, 12h or 30m, got ${JSON.stringify(v)}`);
  return Math.floor(ms);
}

const COLUMNS = [
  { key: "id" },
  { key: "name" },
  { key: "deleted_at", header: "deleted" },
  { key: "provider" },
  { key: "trash_branch", header: "branch" },
  { key: "repo" },
] as const;

/** `swarmctl env trash list|purge`: deleted environments kept for restore-deleted, and emptying them. */
export function registerTrash(env: Command, ctx: () => CliContext): void {
  const trash = env.command("trash").description("deleted environments kept for restore-deleted (worktree: files and a swarm-trash/* branch)");
  trash
    .command("list")
    .description("trash entries, oldest first")
    .action(async () => {
      const c = ctx();
      const r = await c.call("env.trash_list", {});
      if (c.out.json) return c.out.printJson(r.entries);
      c.out.table(r.entries, [...COLUMNS]);
    });
  trash
    .command("purge")
    .description("remove trash entries for good, with their swarm-trash/* branches (all, or only older ones)")
    .argument("[ids...]", "only these entries, by the ID env trash list shows (default: every entry)")
    .option("--older-than <duration>", "only entries deleted at least this long ago (7d, 12h, 30m)", parseOlderThan)
    .action(async (ids: string[], o: { olderThan?: number }) => {
      const c = ctx();
      const r = await c.call("env.trash_purge", { older_than_ms: o.olderThan ?? 0, ...(ids.length ? { ids } : {}) });
      if (c.out.json) return c.out.printJson(r.purged);
      c.out.print(`purged ${r.purged.length} deleted environment(s)${r.purged.length ? `: ${r.purged.map((e) => e.name).join(", ")}` : ""}`);
    });
}
