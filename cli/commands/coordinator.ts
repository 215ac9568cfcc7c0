import type { CliContext, CommandGroup } from "../context.js";

type Status = Awaited<ReturnType<typeof status>>;
const status = (c: CliContext) => c.call("coordinator.status", {});

function printStatus(c: CliContext, s: Status): void {
  const o = c.out;
  const kinds = s.agent_kinds.length ? s.agent_kinds.join(", ") : o.warn("none (coordinator.agent_kinds is []: run `swarmctl init` in your repository)");
  const lines = [
    `agents     ${kinds}   default kind ${s.default_agent_kind}`,
    `repository ${s.repo ?? o.warn("none (coordinator.repo)")}`,
    `command    ${s.command ? s.command.join(" ") : "-"}`,
    `leased     ${s.leased} of ${s.max_concurrent}${
      Object.keys(s.by_kind).length
        ? `  (${Object.entries(s.by_kind)
            .map(([k, n]) => `${k} ${n}${s.per_kind[k] !== undefined ? `/${s.per_kind[k]}` : ""}`)
            .join(", ")})`
        : ""
    }`,
    `host       ${s.host.ok ? o.ok("admits new runs") : o.warn(s.host.reason ?? "busy")}`,
    `breakers   ${s.breakers.length ? s.breakers.map((b) => `${b.agent_kind} ${b.state}${b.consecutive_failures ? ` (${b.consecutive_failures} failures)` : ""}`).join(", ") : "all closed"}`,
    `running    ${s.running_locally.join(", ") || "-"}`,
    "",
    "queue:",
  ];
  if (s.queue.length === 0) lines.push("  no ready tickets");
  for (const q of s.queue) {
    const what = `${q.ready} ready of kind ${q.agent_kind} in workspace ${q.workspace}${q.backing_off ? ` (${q.backing_off} in retry backoff)` : ""}`;
    lines.push(`  ${what}: ${q.reason ? o.warn(q.reason) : o.ok("being claimed")}`);
  }
  for (const a of s.awaiting_approval) {
    lines.push(`  ${a.ticket} waiting for approval${a.approval ? ` ${a.approval}: swarmctl approval show ${a.approval}` : ""}`);
  }
  o.print(lines.join("\n"));
}

export const register: CommandGroup = (program, ctx) => {
  const coordinator = program.command("coordinator").description("the ticket coordinator: what it runs and why the queue is (not) moving");
  coordinator
    .command("status")
    .description("agent kinds, caps, breakers, host admission, leased tickets, and why ready tickets are not being picked up")
    .action(async () => {
      const c = ctx();
      const s = await status(c);
      if (c.out.json) return c.out.printJson(s);
      printStatus(c, s);
    });
};
