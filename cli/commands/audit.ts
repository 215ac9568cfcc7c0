import { InvalidArgumentError } from "commander";
import { parseDurationMs } from "../../protocol/units.js";
import type { CommandGroup } from "../context.js";

/** `--since`: a row seq (42), an ISO-8601 time, or a duration back from now (10m, 2h). */
function parseSince(v: string): { since?: number; since_ts?: string } {
  if (/^\d+$/.test(v)) return { since: Number(v) };
  const ms = parseDurationMs(v);
  if (ms !== null && ms > 0) return { since_ts: new Date(Date.now() - ms).toISOString() };
  if (!Number.isNaN(Date.parse(v))) return { since_ts: new Date(v).toISOString() };
  throw new InvalidArgumentError(`--since takes a row seq (42), an ISO-8601 time or a duration like 10m, got ${JSON.stringify(v)}`);
}

/** `swarmctl audit list|verify`: the hash-chained audit log (docs/threads.md, "Audit log"). */
export const register: CommandGroup = (program, ctx) => {
  const au = program.command("audit").description("the tamper-evident audit log: list entries, verify the hash chain");
  au.command("list")
    .description("entries oldest first: operator actions, policy decisions, rejected agent calls")
    .option("--since <seq|time|duration>", "entries after this row seq, or at/after this time (ISO-8601, or 10m ago)", parseSince)
    .option("--actor <actor>", "only this actor (an agent id, `policy`, `operator:…`)")
    .option("--outcome <outcome>", "ok, denied or error")
    .option("--limit <n>", "at most this many (default 1000)", (v: string) => Number.parseInt(v, 10))
    .action(async (o: { since?: { since?: number; since_ts?: string }; actor?: string; outcome?: string; limit?: number }) => {
      const c = ctx();
      const r = await c.call("audit.list", { ...o.since, actor: o.actor, outcome: o.outcome as "ok" | "denied" | "error" | undefined, limit: o.limit });
      if (c.out.json) return c.out.printJson(r);
      c.out.table(
        r.entries.map((e) => ({ ...e, outcome: e.outcome === "ok" ? e.outcome : c.out.fail(e.outcome) })),
        [{ key: "seq" }, { key: "ts" }, { key: "actor" }, { key: "action" }, { key: "subject" }, { key: "outcome" }, { key: "reason" }],
      );
    });
  au.command("verify")
    .description("walk the hash chain; exits non-zero naming the first row edited, deleted or reordered")
    .action(async () => {
      const c = ctx();
      const r = await c.call("audit.verify");
      if (!r.ok) c.exitCode = 1;
      if (c.out.json) return c.out.printJson(r);
      if (r.ok) return c.out.print(`${c.out.ok("ok")}: ${r.rows} row(s), chain intact; head ${r.head}`);
      const p = r.problem;
      process.stderr.write(`${c.out.fail("audit log damaged")}: row ${p?.seq ?? "?"} ${p?.kind ?? "bad"}: ${p?.message ?? "the chain does not verify"}\n`);
    });
};
