import { parseDuration } from "../../client/index.js";
import type { CommandGroup } from "../context.js";

type Role = "participant" | "coordinator" | "auditor";

/** `swarmctl agent token|revoke`: mint and revoke the signed agent tokens (docs/threads.md, "Agent identity"). */
export const register: CommandGroup = (program, ctx) => {
  const ag = program.command("agent").description("agent identity: mint and revoke signed agent tokens");
  ag.command("token <agent>")
    .description("mint a short-lived token for AGENT and print it (only the token, so `$(swarmctl agent token rev)` works; --json: with its claims)")
    .option("--role <role>", "participant, coordinator or auditor (default participant)")
    .option("--workspace <name>", "the agent's workspace (default `default`)")
    .option("--session <id>", "logical session id (default: a fresh one)")
    .option("--ttl <duration>", "lifetime, e.g. 15m (default threads.token_ttl_ms; at most threads.max_token_ttl_ms)")
    .action(async (agent: string, o: { role?: string; workspace?: string; session?: string; ttl?: string }) => {
      const c = ctx();
      const r = await c.call("agent.token_mint", {
        agent_id: agent,
        role: o.role as Role | undefined,
        workspace: o.workspace,
        session_id: o.session,
        ttl_ms: o.ttl === undefined ? undefined : parseDuration(o.ttl, "--ttl"),
      });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(r.token);
      process.stderr.write(
        `token for ${r.claims.agent_id} (${r.claims.role}, workspace ${r.claims.workspace_id}, jti ${r.claims.jti}); expires ${r.expires_at}\n`,
      );
    });
  ag.command("revoke")
    .description("revoke one token (--jti) or every token of an agent or a session; later calls with them are refused and audited")
    .option("--jti <id>", "the token id (claims.jti)")
    .option("--agent <agent>", "every token of this agent")
    .option("--session <id>", "every token of this session")
    .requiredOption("--reason <text>", "why (audited)")
    .action(async (o: { jti?: string; agent?: string; session?: string; reason: string }) => {
      const c = ctx();
      const r = await c.call("agent.revoke", { jti: o.jti, agent_id: o.agent, session_id: o.session, reason: o.reason });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(`revoked ${r.revoked} token(s)`);
    });
};
