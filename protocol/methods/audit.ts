import { z } from "zod";
import { defineMethod } from "../method.js";
import { AgentAuth } from "../thread/model.js";

export const AuditEntry = z.object({
  seq: z.number().int(),
  ts: z.string(),
  actor: z.string().describe("`operator#<conn>`, an agent id, or `policy`"),
  actor_kind: z.enum(["operator", "agent", "policy"]),
  action: z.string().describe("the method called, or the policy that decided (e.g. thread.auto_block)"),
  subject: z.string().nullable(),
  outcome: z.enum(["ok", "denied", "error"]),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string().describe("sha256 over prev_hash and this row's fields"),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const auditList = defineMethod({
  name: "audit.list",
  summary: "Audit log entries (operator actions, policy decisions, rejected agent calls), oldest first.",
  mutating: false,
  params: z
    .object({
      since: z.number().int().min(0).default(0).describe("entries with seq > since"),
      since_ts: z.string().datetime({ offset: true }).optional().describe("entries at or after this ISO-8601 time"),
      actor: z.string().optional(),
      outcome: z.enum(["ok", "denied", "error"]).optional(),
      limit: z.number().int().min(1).max(10000).default(1000),
      auth: AgentAuth.optional(),
    })
    .default({ since: 0, limit: 1000 }),
  result: z.object({ entries: z.array(AuditEntry) }),
});

export const auditVerify = defineMethod({
  name: "audit.verify",
  summary: "Walk the hash chain; names the first row edited, deleted or reordered.",
  mutating: false,
  params: z.object({ auth: AgentAuth.optional() }).default({}),
  result: z.object({
    ok: z.boolean(),
    rows: z.number().int(),
    head: z.string().describe("hash of the newest row; record it elsewhere to anchor the chain"),
    problem: z
      .object({
        seq: z.number().int().describe("the first bad row (for a deletion: the first missing seq)"),
        kind: z.enum(["edited", "deleted", "reordered"]),
        message: z.string(),
      })
      .nullable(),
  }),
});
