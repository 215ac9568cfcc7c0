import type { z } from "zod";
import { SwarmError } from "../../protocol/errors.js";
import type { MethodDef } from "../../protocol/method.js";
import type { AgentAuth } from "../../protocol/thread/model.js";
import { mayCall, type CallerRole } from "../../protocol/thread/roles.js";
import type { AuditLog } from "../audit/log.js";
import { operatorLabel } from "../audit/domain.js";
import type { CallContext, HandlerEntry } from "../rpc/handler.js";
import { handle } from "../rpc/handler.js";
import { unverifiedPayload } from "./jws.js";
import { denied, requestHash, type TokenStore } from "./tokens.js";

/** Runs a function in one database transaction (daemon/assemble.ts supplies it). */
export type RunTx = <T>(fn: () => T) => T;

/** Who makes a call: the operator (no token) or an agent whose token checked out. */
export interface Caller {
  kind: "operator" | "agent";
  /** agent_id, or `operator`. */
  id: string;
  role: CallerRole;
  workspace: string | null;
  session_id: string | null;
  jti: string | null;
  /** The token's expiry (seconds since the epoch): its nonces are kept until then. */
  exp?: number;
  /** For the audit log: `operator:<client>#<conn>` or the agent id. */
  label: string;
}

/** Params an agent may only set to its own claims: naming another agent is a claim mismatch. */
const CLAIM_FIELDS = { as: "agent_id", agent_id: "agent_id", agent: "agent_id", workspace: "workspace_id", session_id: "session_id" } as const;

/** An agent's own bookkeeping: kept in its tables (cursors, sessions), not in the audit log, which it would flood. */
const BOOKKEEPING = new Set(["session.heartbeat", "thread.ack", "bridge.hello"]);

type AgentFn<M extends MethodDef> = (params: z.output<M["params"]>, caller: Caller, call: CallContext) => z.input<M["result"]>;

/**
 * The identity check every thread, session, agent and audit call goes through (R-M4, R-O5):
 * token signature, expiry, revocation, the role matrix, claims against params, and the
 * nonce. The handler then runs in one transaction with its audit row; a refused call is
 * audited after the rollback, with its reason.
 */
export class Guard {
  constructor(
    private readonly tokens: TokenStore,
    private readonly audit: AuditLog,
    private readonly tx: RunTx,
  ) {}

  /** Who calls: the operator without `auth`, else the agent its token names (signature, expiry, revocation checked). */
  identify(params: Record<string, unknown>, call: CallContext): Caller {
    const auth = params.auth as AgentAuth | undefined;
    if (!auth) return operatorCaller(call);
    const c = this.tokens.check(auth.token);
    return { kind: "agent", id: c.agent_id, role: c.role, workspace: c.workspace_id, session_id: c.session_id, jti: c.jti, exp: c.exp, label: c.agent_id };
  }

  /** May this caller make this call: the role matrix, then claims against params. The nonce is spent by spendNonce. */
  authorize(caller: Caller, method: string, params: Record<string, unknown>): void {
    if (caller.kind === "operator") {
      if (!mayCall("operator", method)) throw denied("role", `${method} is for agents: call it with an agent token (auth)`);
      return;
    }
    if (!mayCall(caller.role, method))
      throw denied("role", `role ${caller.role} may not call ${method} (docs/threads.md has the role matrix)`, { role: caller.role });
    const claims: Record<string, string | null> = { agent_id: caller.id, workspace_id: caller.workspace, session_id: caller.session_id };
    for (const [field, claim] of Object.entries(CLAIM_FIELDS)) {
      const given = params[field];
      if (given === undefined || given === claims[claim]) continue;
      const kind = claim === "workspace_id" ? "cross_workspace" : "claim_mismatch";
      throw denied(kind, `${field} ${JSON.stringify(given)} does not match the token's ${claim} ${JSON.stringify(claims[claim])}`, {
        field,
        token: claims[claim],
      });
    }
  }

  /** Records an agent's nonce (refusing a replay); the operator has none. */
  private spendNonce(caller: Caller, method: string, params: Record<string, unknown>): void {
    if (caller.kind !== "agent") return;
    const auth = params.auth as AgentAuth;
    this.tokens.useNonce({ jti: caller.jti!, exp: caller.exp ?? this.tokens.expiryOf(auth.token) }, auth.nonce, method, requestHash(method, params));
  }

  /** A handler behind the identity check; `fn` runs in one transaction with the audit row of a mutating call. */
  handle<M extends MethodDef>(def: M, fn: AgentFn<M>): HandlerEntry {
    return handle(def, (p, call) => {
      const params = p as Record<string, unknown>;
      let caller: Caller | null = null;
      let nonceTaken = false;
      try {
        caller = this.identify(params, call);
        const who = caller;
        this.authorize(who, def.name, params);
        // The nonce is recorded in the call's own transaction (one commit per call); if the
        // call then fails, the rollback takes the nonce back with it, so it is recorded again
        // below: a refused request cannot be replayed later either.
        return this.tx(() => {
          this.spendNonce(who, def.name, params);
          nonceTaken = true;
          const r = fn(p, who, call);
          if (def.mutating && !(who.kind === "agent" && BOOKKEEPING.has(def.name))) this.record(def.name, params, who, "ok", null, {});
          return r;
        });
      } catch (err) {
        if (nonceTaken && caller) this.respend(caller, def.name, params);
        this.rejected(def, params, caller, err, call);
        throw err;
      }
    });
  }

  private respend(caller: Caller, method: string, params: Record<string, unknown>): void {
    try {
      this.tx(() => this.spendNonce(caller, method, params));
    } catch {
      /* already recorded: nothing was rolled back */
    }
  }

  /** Audits a failed call: every agent failure, and operator failures of mutating methods. */
  private rejected(def: MethodDef, params: Record<string, unknown>, caller: Caller | null, err: unknown, call: CallContext): void {
    const auth = params.auth as AgentAuth | undefined;
    if (!auth && !def.mutating) return;
    const kind = err instanceof SwarmError ? err.kind : "INTERNAL";
    const who: Caller = caller ?? (auth ? claimedCaller(auth.token) : operatorCaller(call));
    const details = { error: kind, ...(err instanceof SwarmError ? err.details : {}) };
    this.record(def.name, params, who, kind === "PERMISSION_DENIED" || kind === "RESOURCE_EXHAUSTED" ? "denied" : "error", (err as Error).message, details);
  }

  private record(action: string, params: Record<string, unknown>, who: Caller, outcome: "ok" | "denied" | "error", message: string | null, details: object) {
    const subject = typeof params.id === "string" ? params.id : typeof params.agent_id === "string" ? params.agent_id : null;
    const reason = outcome === "ok" ? (typeof params.reason === "string" ? params.reason : null) : message;
    const extra = who.kind === "agent" ? { role: who.role, workspace: who.workspace, jti: who.jti } : {};
    this.audit.append({ actor: who.label, actor_kind: who.kind, action, subject, outcome, reason, details: { ...extra, ...details } });
  }
}

function operatorCaller(call: CallContext): Caller {
  return { kind: "operator", id: "operator", role: "operator", workspace: null, session_id: null, jti: null, label: operatorLabel(call) };
}

/** Who a refused token claimed to be (unverified: for the audit row only). */
function claimedCaller(token: string): Caller {
  const p = unverifiedPayload(token);
  const id = typeof p?.agent_id === "string" ? p.agent_id.slice(0, 63) : "unknown-agent";
  const role = (typeof p?.role === "string" ? p.role : "participant") as CallerRole;
  return { kind: "agent", id, role, workspace: null, session_id: null, jti: typeof p?.jti === "string" ? p.jti : null, label: `${id}?` };
}
