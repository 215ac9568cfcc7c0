import { randomBytes } from "node:crypto";
import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/agent.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import type { Guard } from "./guard.js";
import type { TokenStore } from "./tokens.js";

/** agent.token_mint / token_refresh / revoke: the agents' identities (R-M4). */
export function identityDomain(ctx: DaemonContext, { tokens, guard }: { tokens: TokenStore; guard: Guard }): Domain {
  const event = (type: string, subject: string, data: Record<string, unknown>) => ctx.events.append(type, subject, data);
  const minted = (r: ReturnType<TokenStore["mint"]>) => {
    const { agent_id, workspace_id, role, session_id, jti, exp } = r.claims;
    event("agent.token_minted", agent_id, { agent_id, workspace_id, role, session_id, jti, exp });
    return r;
  };
  let purge: NodeJS.Timeout | null = null;
  return {
    name: "identity",
    handlers: [
      guard.handle(m.agentTokenMint, (p, caller) => {
        const cfg = ctx.cfg().threads;
        const ttl = p.ttl_ms ?? cfg.token_ttl_ms;
        if (ttl > cfg.max_token_ttl_ms) {
          throw new SwarmError("INVALID_ARGUMENT", `ttl_ms ${ttl} is longer than threads.max_token_ttl_ms (${cfg.max_token_ttl_ms})`, {
            hint: "mint a shorter-lived token and refresh it with agent.token_refresh",
          });
        }
        const session_id = p.session_id ?? `s-${randomBytes(6).toString("hex")}`;
        return minted(tokens.mint({ agent_id: p.agent_id, workspace_id: p.workspace, role: p.role, session_id, ttl_ms: ttl }, caller.label));
      }),
      guard.handle(m.agentTokenRefresh, (_p, caller) => {
        const ttl = ctx.cfg().threads.token_ttl_ms;
        const c = {
          agent_id: caller.id,
          workspace_id: caller.workspace!,
          role: caller.role as m.TokenClaims["role"],
          session_id: caller.session_id!,
          ttl_ms: ttl,
        };
        return minted(tokens.mint(c, `refresh:${caller.jti}`));
      }),
      guard.handle(m.agentRevoke, (p) => {
        const count = tokens.revoke(p, p.reason);
        event("agent.revoked", p.agent_id ?? p.jti ?? p.session_id ?? "", {
          jti: p.jti,
          agent_id: p.agent_id,
          session_id: p.session_id,
          count,
          reason: p.reason,
        });
        return { revoked: count };
      }),
    ],
    start: () => {
      tokens.purgeNonces();
      purge = setInterval(() => tokens.purgeNonces(), 10 * 60_000);
      purge.unref();
    },
    stop: () => {
      if (purge) clearInterval(purge);
    },
  };
}
