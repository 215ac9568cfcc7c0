import { randomBytes } from "node:crypto";
import type { RpcClient } from "../../client/index.js";
import type { Message, Thread } from "../../protocol/thread/model.js";

/**
 * An untyped call: these tests send params as records (and sometimes wrong on purpose), and
 * read results with their own narrow types.
 */
export function rpc<R = unknown>(c: RpcClient, method: string, params?: unknown): Promise<R> {
  return c.call<R>(method, params);
}

export const nonce = (): string => randomBytes(12).toString("base64url");

export interface Agent {
  id: string;
  token: string;
  jti: string;
  /** Calls `method` as this agent: auth with the token and a fresh nonce. */
  call<R = unknown>(method: string, params?: Record<string, unknown>): Promise<R>;
}

/** Mints a token as the operator and returns an agent that calls with it. */
export async function mintAgent(c: RpcClient, agent_id: string, opts: { role?: string; workspace?: string; ttl_ms?: number } = {}): Promise<Agent> {
  const r = await rpc<{ token: string; claims: { jti: string } }>(c, "agent.token_mint", { agent_id, ...opts });
  return {
    id: agent_id,
    token: r.token,
    jti: r.claims.jti,
    call: <R>(method: string, params: Record<string, unknown> = {}) => rpc<R>(c, method, { ...params, auth: { token: r.token, nonce: nonce() } }),
  };
}

export type PostResult = { message: Message; created: boolean; thread: Thread };
