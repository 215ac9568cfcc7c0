import type { RpcClient } from "../../client/index.js";
import { detectAgentClis, type FoundAgentCli } from "../../protocol/agent-clis.js";

export interface AgentCheck {
  check: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  hint?: string;
}

/** One line per agent CLI: found with its version, or not found with the command that installs it. */
export function agentCliChecks(found: FoundAgentCli[] = detectAgentClis(process.env.PATH ?? "")): AgentCheck[] {
  return found.map((a) =>
    a.path
      ? { check: `agent ${a.program}`, status: "ok", detail: `${a.version ?? "version unknown"} (${a.path})` }
      : { check: `agent ${a.program}`, status: "warn", detail: "not found on PATH (the scripted agent needs nothing)", hint: a.install },
  );
}

/**
 * The coordinator's configuration, as the daemon holds it: which kinds it runs, whether
 * their CLIs are here, and whatever keeps ready tickets from moving.
 */
export async function coordinatorCheck(c: RpcClient, found: FoundAgentCli[]): Promise<AgentCheck> {
  const s = await c.call("coordinator.status", {});
  if (s.agent_kinds.length === 0 && !s.command) {
    return { check: "coordinator", status: "warn", detail: "runs no tickets itself (coordinator.agent_kinds is [])", hint: "swarmctl init in your repository" };
  }
  const missing = found.filter((a) => !a.path && s.agent_kinds.includes(a.kind));
  if (missing.length) {
    return {
      check: "coordinator",
      status: "fail",
      detail: `agent kind(s) ${missing.map((a) => a.kind).join(", ")} configured but not installed here`,
      hint: missing.map((a) => a.install).join("; "),
    };
  }
  const stuck = s.queue.filter((q) => q.reason);
  const what = `agents ${s.agent_kinds.join(", ") || "-"} (default ${s.default_agent_kind}), repository ${s.repo ?? "-"}`;
  if (stuck.length) return { check: "coordinator", status: "warn", detail: `${what}; ${stuck[0]!.reason}`, hint: "swarmctl coordinator status" };
  return { check: "coordinator", status: "ok", detail: what };
}
