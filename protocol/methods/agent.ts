import { z } from "zod";
import { defineMethod } from "../method.js";
import { AgentAuth, AgentId, AgentRole, Reason, Workspace } from "../thread/model.js";

export const TokenClaims = z.object({
  iss: z.literal("swarmd"),
  agent_id: z.string(),
  workspace_id: z.string(),
  role: AgentRole,
  session_id: z.string(),
  iat: z.number().int().describe("issued at, seconds since the epoch"),
  exp: z.number().int().describe("expires at, seconds since the epoch"),
  jti: z.string().describe("token id, for revocation and replay checks"),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

const Minted = z.object({
  token: z.string().describe("compact JWS (EdDSA); pass it as auth.token"),
  claims: TokenClaims,
  expires_at: z.string().describe("ISO-8601"),
});

export const agentTokenMint = defineMethod({
  name: "agent.token_mint",
  summary: "Operator only: mint a short-lived signed token for an agent (docs/threads.md has the format).",
  mutating: true,
  params: z.object({
    agent_id: AgentId,
    workspace: Workspace.default("default"),
    role: AgentRole.default("participant"),
    session_id: z.string().min(1).max(200).optional().describe("logical session id; a fresh one when omitted"),
    ttl_ms: z.number().int().min(1000).optional().describe("lifetime; default threads.token_ttl_ms, at most threads.max_token_ttl_ms"),
    auth: AgentAuth.optional().describe("refused: agents cannot mint (present so a token is seen and refused, not ignored)"),
  }),
  result: Minted,
});

export const agentTokenRefresh = defineMethod({
  name: "agent.token_refresh",
  summary:
    "An agent swaps its valid token for a new one with the same claims and a fresh expiry; the old one stays valid until it expires, so no call is dropped.",
  mutating: true,
  params: z.object({ auth: AgentAuth.optional().describe("the token to refresh (required; without it the call is refused)") }),
  result: Minted,
});

export const agentRevoke = defineMethod({
  name: "agent.revoke",
  summary: "Operator only: revoke one token (jti) or every token of an agent or a session; later calls with them are refused and audited.",
  mutating: true,
  params: z
    .object({
      jti: z.string().min(1).optional(),
      agent_id: AgentId.optional(),
      session_id: z.string().min(1).optional(),
      reason: Reason,
      auth: AgentAuth.optional().describe("refused: agents cannot revoke"),
    })
    .refine((p) => p.jti !== undefined || p.agent_id !== undefined || p.session_id !== undefined, "name a jti, an agent_id or a session_id to revoke"),
  result: z.object({ revoked: z.number().int().describe("tokens newly revoked") }),
});
