import { randomBytes } from "node:crypto";
import type { RpcClient } from "../../client/index.js";

/** Claims the bridge reads from its token without verifying it (the daemon verifies every call). */
function lifetime(token: string): { iat: number; exp: number } | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { iat?: unknown; exp?: unknown };
    return typeof payload.iat === "number" && typeof payload.exp === "number" ? { iat: payload.iat, exp: payload.exp } : null;
  } catch {
    return null;
  }
}

/**
 * The agent's token, rotated before it expires: past two thirds of its lifetime the next
 * call first swaps it with agent.token_refresh (the old one stays valid until its own exp,
 * so calls in flight are not dropped). A failed refresh keeps the old token; the daemon's
 * refusal of it, once expired, is the clear error the agent sees.
 */
export class AgentToken {
  private refreshing: Promise<void> | null = null;
  constructor(
    private token: string,
    private readonly log: (line: string) => void,
  ) {}

  async current(c: RpcClient): Promise<string> {
    const life = lifetime(this.token);
    const now = Date.now() / 1000;
    if (life && now < life.exp && now > life.iat + ((life.exp - life.iat) * 2) / 3) {
      this.refreshing ??= this.refresh(c).finally(() => (this.refreshing = null));
      await this.refreshing;
    }
    return this.token;
  }

  private async refresh(c: RpcClient): Promise<void> {
    try {
      const r = await c.call("agent.token_refresh", { auth: { token: this.token, nonce: randomBytes(18).toString("base64url") } });
      this.token = r.token;
      this.log(`token refreshed; it now expires ${r.expires_at}`);
    } catch (err) {
      this.log(`token refresh failed (${(err as Error).message}); keeping the current token`);
    }
  }
}
