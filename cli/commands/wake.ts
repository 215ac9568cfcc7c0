import type { ResultFor } from "../../client/index.js";
import type { CommandGroup, CliContext } from "../context.js";

type Wake = ResultFor<"wake.show">;

function stepLine(s: Wake["steps"][number]): string {
  return `  ${s.at}  ${s.name.padEnd(15)} ${s.reason}${s.detail ? `  ${s.detail}` : ""}`;
}

function outcomeText(c: CliContext, w: Wake): string {
  if (!w.outcome) return c.out.warn(`pending (${w.phase})`);
  return w.outcome === "acked" || w.outcome === "resumed" || w.outcome === "spawned" ? c.out.ok(w.outcome) : c.out.fail(w.outcome);
}

function showWake(c: CliContext, w: Wake): void {
  if (c.out.json) return c.out.printJson(w);
  const lines = [
    `wake       ${w.id}`,
    `target     ${w.target ?? "(none)"}  (participant ${w.participant})`,
    `thread     ${w.thread}`,
    `reason     ${w.reason}  (${w.origin}, by ${w.requested_by})`,
    `outcome    ${outcomeText(c, w)}`,
    `attempts   ${w.attempts} injection(s), ${w.resumes} resume(s)`,
    ...(w.trigger_text ? [`trigger    ${w.trigger_text}`] : []),
    "steps:",
    ...w.steps.map(stepLine),
  ];
  c.out.print(lines.join("\n"));
}

/** `swarmctl wake list|show|pause|resume|force` (docs/wake.md). */
export const register: CommandGroup = (program, ctx) => {
  const wk = program.command("wake").description("wakes of idle agents that have unread messages: list, show, pause, resume, force");
  wk.command("list")
    .description("wakes, newest first: id, target, thread, outcome, steps")
    .option("--target <runtime>", "only wakes of this runtime")
    .option("--thread <id>", "only wakes about this thread")
    .option("--pending", "only pending wakes")
    .option("--limit <n>", "at most this many (default 200)", (v: string) => Number.parseInt(v, 10))
    .action(async (o: { target?: string; thread?: string; pending?: boolean; limit?: number }) => {
      const c = ctx();
      const r = await c.call("wake.list", { target: o.target, thread: o.thread, pending: o.pending, limit: o.limit ?? 200 });
      if (c.out.json) return c.out.printJson(r);
      c.out.table(
        r.wakes.map((w) => ({
          ...w,
          target: w.target ?? "-",
          outcome: outcomeText(c, w),
          last: w.steps.at(-1) ? `${w.steps.at(-1)!.name}: ${w.steps.at(-1)!.reason}` : "",
        })),
        [{ key: "id" }, { key: "target" }, { key: "thread" }, { key: "outcome" }, { key: "attempts" }, { key: "last", header: "LAST STEP" }],
      );
      if (r.paused.length > 0) c.out.print(c.out.warn(`paused: ${r.paused.join(", ")}`));
    });
  wk.command("show <id>")
    .description("one wake with every step and its reason code")
    .action(async (id: string) => {
      const c = ctx();
      showWake(c, await c.call("wake.show", { id }));
    });
  wk.command("pause <runtime>")
    .description("stop waking this runtime: its pending wakes end `paused`")
    .option("--reason <text>", "why (audited)")
    .action(async (runtime: string, o: { reason?: string }) => {
      const c = ctx();
      const r = await c.call("wake.pause", { runtime, reason: o.reason });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(`${runtime}: wakes paused${r.ended.length ? `; ended ${r.ended.join(", ")}` : ""}`);
    });
  wk.command("resume <runtime>")
    .description("wake this runtime again; threads with unread messages get a wake")
    .option("--reason <text>", "why (audited)")
    .action(async (runtime: string, o: { reason?: string }) => {
      const c = ctx();
      const r = await c.call("wake.resume", { runtime, reason: o.reason });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(`${runtime}: wakes resumed${r.woken.length ? `; new wakes ${r.woken.join(", ")}` : ""}`);
    });
  wk.command("force <runtime>")
    .description("inject a trigger now, over a human draft and the quiet window (audited; the only way to do that)")
    .requiredOption("--reason <text>", "why (audited)")
    .option("--thread <id>", "the thread to point at (default: the newest with unread messages)")
    .action(async (runtime: string, o: { reason: string; thread?: string }) => {
      const c = ctx();
      showWake(c, await c.call("wake.force", { runtime, reason: o.reason, thread: o.thread }));
    });
};
