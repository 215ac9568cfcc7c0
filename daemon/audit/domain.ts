import { createHash } from "node:crypto";
import * as m from "../../protocol/methods/audit.js";
import { SwarmError } from "../../protocol/errors.js";
import type { Domain } from "../domains.js";
import type { Guard } from "../identity/guard.js";
import type { CallContext, HandlerEntry } from "../rpc/handler.js";
import type { AuditLog } from "./log.js";

/** audit.list and audit.verify (R-O2); an auditor token may call them too. */
export function auditDomain({ audit, guard }: { audit: AuditLog; guard: Guard }): Domain {
  return {
    name: "audit",
    handlers: [guard.handle(m.auditList, (p) => ({ entries: audit.list(p) })), guard.handle(m.auditVerify, () => audit.verify())],
  };
}

/** Who an operator call came from: the client's handshake name and connection. */
export function operatorLabel(call: CallContext): string {
  return `operator:${call.connection.client ?? "client"}#${call.connection.id}`;
}

function subjectOf(p: unknown): string | null {
  if (typeof p !== "object" || p === null) return null;
  const o = p as Record<string, unknown>;
  for (const k of ["name", "id", "ticket_id", "runtime", "env"]) if (typeof o[k] === "string") return o[k] as string;
  return null;
}

/**
 * Wraps the mutating handlers of domains that do not audit themselves, so every mutating
 * operator call is in the audit log with its outcome. Params are recorded as a hash only:
 * they may hold secrets (secret.set). Methods in `selfAudited` write their own row when
 * they succeed (approval decisions); only their failures are recorded here.
 */
export function auditMutations(domain: Domain, audit: AuditLog, selfAudited: ReadonlySet<string> = new Set()): Domain {
  const wrap = (h: HandlerEntry): HandlerEntry => {
    if (!h.method.mutating) return h;
    return {
      method: h.method,
      fn: async (params, call) => {
        const base = {
          actor: operatorLabel(call),
          actor_kind: "operator" as const,
          action: h.method.name,
          subject: subjectOf(params),
          reason: typeof (params as { reason?: unknown })?.reason === "string" ? (params as { reason: string }).reason : null,
          details: {
            params_sha256: createHash("sha256")
              .update(JSON.stringify(params ?? null))
              .digest("hex"),
          },
        };
        try {
          const r = await h.fn(params, call);
          if (!selfAudited.has(h.method.name)) audit.append({ ...base, outcome: "ok" });
          return r;
        } catch (err) {
          const kind = err instanceof SwarmError ? err.kind : "INTERNAL";
          audit.append({ ...base, outcome: kind === "PERMISSION_DENIED" ? "denied" : "error", details: { ...base.details, error: kind } });
          throw err;
        }
      },
    };
  };
  return { ...domain, handlers: domain.handlers.map(wrap) };
}
