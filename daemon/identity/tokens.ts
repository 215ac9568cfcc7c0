import { createHash, randomBytes } from "node:crypto";
import type { Statement } from "better-sqlite3";
import { SwarmError } from "../../protocol/errors.js";
import { TokenClaims } from "../../protocol/methods/agent.js";
import type { AgentRole } from "../../protocol/thread/model.js";
import type { DaemonKey } from "../keys/ed25519.js";
import type { Db } from "../store/db.js";
import { signJws, unverifiedPayload, verifyJws } from "./jws.js";

/** Why an agent call was refused; each is a `reason_code` in the error details and the audit row. */
export type DenyReason =
  | "malformed"
  | "wrong_key"
  | "bad_signature"
  | "bad_claims"
  | "expired"
  | "unknown_token"
  | "revoked"
  | "role"
  | "claim_mismatch"
  | "cross_workspace"
  | "replayed"
  | "nonce_reused"
  | "not_participant";

/** PERMISSION_DENIED with a reason code the audit log and the caller both see. */
export function denied(reason: DenyReason, message: string, details: Record<string, unknown> = {}): SwarmError {
  return new SwarmError("PERMISSION_DENIED", message, { details: { reason_code: reason, ...details } });
}

export interface Minted {
  token: string;
  claims: TokenClaims;
  expires_at: string;
}

/** Canonical JSON (keys sorted at every level), so equal requests hash equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** sha256 of the method and its params without `auth`: what a nonce is bound to. */
export function requestHash(method: string, params: Record<string, unknown>): string {
  const { auth: _a, ...rest } = params;
  return createHash("sha256")
    .update(canonical({ method, params: rest }))
    .digest("hex");
}

/**
 * Agent tokens: minted and signed here, checked on every agent call (signature, expiry,
 * revocation) and their nonces remembered until they expire, so a request is accepted once.
 */
export class TokenStore {
  private readonly s: Record<"insert" | "byJti" | "revoke" | "nonce" | "addNonce" | "purge", Statement>;
  private inserts = 0;
  /**
   * Tokens whose signature and claims checked out, by their exact text: an agent sends the
   * same token on every call, and the Ed25519 verification was the biggest cost of a post.
   * Expiry and revocation are still checked on every call. Bounded (cleared when full).
   */
  private readonly verified = new Map<string, TokenClaims>();
  /**
   * jtis found on record and not revoked: a revocation goes through revoke() below, which
   * clears this, so a revoked token is refused on its very next call while a live one costs
   * no lookup. Bounded (cleared when full).
   */
  private readonly live = new Set<string>();

  constructor(
    db: Db,
    private readonly key: DaemonKey,
  ) {
    this.s = {
      insert: db.prepare(`INSERT INTO agent_tokens (jti, agent_id, workspace_id, role, session_id, issued_at, expires_at, minted_by)
        VALUES (@jti, @agent_id, @workspace_id, @role, @session_id, @issued_at, @expires_at, @minted_by)`),
      byJti: db.prepare("SELECT * FROM agent_tokens WHERE jti = ?"),
      revoke: db.prepare(`UPDATE agent_tokens SET revoked_at = @now, revoke_reason = @reason WHERE revoked_at IS NULL
        AND (@jti IS NULL OR jti = @jti) AND (@agent_id IS NULL OR agent_id = @agent_id) AND (@session_id IS NULL OR session_id = @session_id)`),
      nonce: db.prepare("SELECT request_hash FROM agent_nonces WHERE jti = ? AND nonce = ?"),
      addNonce: db.prepare(
        "INSERT INTO agent_nonces (jti, nonce, request_hash, method, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (jti, nonce) DO NOTHING",
      ),
      // by token: the nonces' own expires_at has no index (identity migration 2); a token's nonces expire with it
      purge: db.prepare("DELETE FROM agent_nonces WHERE jti IN (SELECT jti FROM agent_tokens WHERE expires_at < ?)"),
    };
  }

  mint(c: { agent_id: string; workspace_id: string; role: AgentRole; session_id: string; ttl_ms: number }, mintedBy: string): Minted {
    const now = Date.now();
    const claims: TokenClaims = {
      iss: "swarmd",
      agent_id: c.agent_id,
      workspace_id: c.workspace_id,
      role: c.role,
      session_id: c.session_id,
      iat: Math.floor(now / 1000),
      exp: Math.floor((now + c.ttl_ms) / 1000),
      jti: randomBytes(16).toString("base64url"),
    };
    this.s.insert.run({ ...claims, issued_at: now, expires_at: claims.exp * 1000, minted_by: mintedBy });
    return { token: signJws(this.key.privateKey, this.key.keyId, claims), claims, expires_at: new Date(claims.exp * 1000).toISOString() };
  }

  /** The token's claims if it is ours, intact, unexpired and not revoked; otherwise PERMISSION_DENIED naming why. */
  check(token: string, now = Date.now()): TokenClaims {
    const claims = this.verified.get(token) ?? this.verify(token);
    if (claims.exp * 1000 <= now) {
      throw denied("expired", `agent token expired at ${new Date(claims.exp * 1000).toISOString()}; refresh it before expiry or mint a new one`, {
        jti: claims.jti,
      });
    }
    if (this.live.has(claims.jti)) return claims;
    const row = this.s.byJti.get(claims.jti) as { revoked_at: number | null; revoke_reason: string | null } | undefined;
    if (!row) throw denied("unknown_token", "agent token is not one this daemon minted (or its record is gone); mint a new one", { jti: claims.jti });
    if (row.revoked_at !== null) throw denied("revoked", `agent token was revoked: ${row.revoke_reason ?? "no reason given"}`, { jti: claims.jti });
    if (this.live.size >= 4096) this.live.clear();
    this.live.add(claims.jti);
    return claims;
  }

  /** Signature, header and claims of a token not seen before. */
  private verify(token: string): TokenClaims {
    const v = verifyJws(this.key.publicKey, this.key.keyId, token);
    if (!v.ok) {
      const what = { malformed: "is not a compact JWS swarmd issues", wrong_key: "was signed by another key", bad_signature: "has a bad signature (tampered)" };
      throw denied(v.reason, `agent token ${what[v.reason]}; mint a new one with agent.token_mint`);
    }
    const parsed = TokenClaims.safeParse(v.payload);
    if (!parsed.success) throw denied("bad_claims", "agent token claims are incomplete; mint a new one with agent.token_mint");
    if (this.verified.size >= 1024) this.verified.clear();
    this.verified.set(token, parsed.data);
    return parsed.data;
  }

  /** Records (jti, nonce) for this request; a nonce seen before is a replay. */
  useNonce(claims: { jti: string; exp: number }, nonce: string, method: string, hash: string): void {
    // one statement for a fresh nonce (the usual case); only a nonce already there is looked up, to say which refusal it is
    if (this.s.addNonce.run(claims.jti, nonce, hash, method, claims.exp * 1000).changes === 0) {
      const seen = this.s.nonce.get(claims.jti, nonce) as { request_hash: string };
      if (seen.request_hash === hash) throw denied("replayed", "this request was already made with this nonce (replay refused); send a fresh nonce per call");
      throw denied("nonce_reused", "this nonce was already used by another request with this token; send a fresh nonce per call");
    }
    if (++this.inserts % 1000 === 0) this.purgeNonces();
  }

  /** exp (seconds) of a token already checked. */
  expiryOf(token: string): number {
    return Number(unverifiedPayload(token)?.exp ?? 0);
  }

  purgeNonces(now = Date.now()): void {
    this.s.purge.run(now);
  }

  revoke(f: { jti?: string; agent_id?: string; session_id?: string }, reason: string): number {
    this.live.clear(); // every token is looked up again on its next call (also if this revocation rolls back)
    return this.s.revoke.run({ now: Date.now(), reason, jti: f.jti ?? null, agent_id: f.agent_id ?? null, session_id: f.session_id ?? null }).changes;
  }
}
