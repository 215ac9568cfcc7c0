import { z } from "zod";
import { defineMethod } from "../method.js";
import { Name } from "../names.js";

export const APPROVAL_STATES = ["pending", "approved", "rejected", "clarification_requested"] as const;
export const ApprovalState = z.enum(APPROVAL_STATES);
export type ApprovalState = z.infer<typeof ApprovalState>;

export const ApprovalId = z.string().regex(/^ap-[0-9]+$/, "approval ids look like ap-12");

export const Approval = z.object({
  id: z.string(),
  ticket_id: z.string().nullable(),
  state: ApprovalState,
  summary: z.string(),
  diff: z.string().describe("git diff of the environment's changes against `base` (untracked files included)"),
  diff_truncated: z.boolean().describe("true when the diff was cut to approvals.max_diff_bytes"),
  files_changed: z.array(z.string()).describe("every file the diff touches, untracked ones included"),
  untracked: z.array(z.string()).describe("of files_changed, the new files git did not track yet (taken from the workdir; [] for a diff given as text)"),
  workdir: z.string().nullable(),
  base: z.string().nullable(),
  requested_by: z.string(),
  requested_at: z.string(),
  expires_at: z.string().describe("when a pending approval turns into approvals.expire_outcome"),
  decided_by: z.string().nullable().describe("who decided; `policy` when it expired"),
  decided_at: z.string().nullable(),
  decision_reason: z.string().nullable(),
  expired: z.boolean(),
});
export type Approval = z.infer<typeof Approval>;

export const AuditEntry = z.object({
  seq: z.number().int(),
  approval_id: z.string(),
  ticket_id: z.string().nullable(),
  action: z.enum(["requested", "approved", "rejected", "clarification_requested"]),
  actor: z.string(),
  reason: z.string().nullable(),
  ts: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const approvalRequest = defineMethod({
  name: "approval.request",
  summary:
    "Ask a person to approve (an agent or a client). With ticket_id, the ticket moves to review until decided. With workdir, the diff of its changes against base (default HEAD) is attached.",
  mutating: true,
  params: z.object({
    ticket_id: Name.optional(),
    summary: z.string().trim().min(1, "summary must say what is to be approved").max(20000),
    workdir: z.string().min(1).optional().describe("a git work tree (the environment's); its diff against base is attached"),
    base: z.string().min(1).max(200).optional().describe("commit-ish to diff against; default HEAD"),
    diff: z.string().optional().describe("a diff to attach when there is no workdir"),
    requested_by: z.string().max(200).optional(),
    timeout_ms: z.number().int().min(1000).optional().describe("overrides approvals.timeout_ms for this one"),
  }),
  result: Approval,
});

export const approvalList = defineMethod({
  name: "approval.list",
  summary: "Approvals, newest first (diffs left out; see approval.get).",
  mutating: false,
  params: z.object({ state: ApprovalState.optional(), ticket_id: z.string().optional() }).default({}),
  result: z.object({ approvals: z.array(Approval.omit({ diff: true })) }),
});

export const approvalGet = defineMethod({
  name: "approval.get",
  summary: "One approval with its diff and its audit trail.",
  mutating: false,
  params: z.object({ id: ApprovalId }),
  result: Approval.extend({ audit: z.array(AuditEntry) }),
});

const Decision = z.object({
  id: ApprovalId,
  reason: z.string().max(5000).optional(),
  actor: z.string().max(200).optional().describe("who decides (swarmctl sends $USER)"),
});

export const approvalApprove = defineMethod({
  name: "approval.approve",
  summary: "Approve a pending approval; its ticket (if in review) becomes done.",
  mutating: true,
  params: Decision,
  result: Approval,
});

export const approvalReject = defineMethod({
  name: "approval.reject",
  summary: "Reject a pending approval (a reason is required); its ticket (if in review) fails.",
  mutating: true,
  params: Decision,
  result: Approval,
});

export const approvalClarify = defineMethod({
  name: "approval.clarify",
  summary: "Ask for clarification (a reason is required); its ticket (if in review) is blocked until a new approval is requested.",
  mutating: true,
  params: Decision,
  result: Approval,
});

export const approvalAudit = defineMethod({
  name: "approval.audit",
  summary: "The approval audit trail (every request and decision: who, why, when), oldest first.",
  mutating: false,
  params: z.object({ since: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(10000).default(1000) }).default({ since: 0, limit: 1000 }),
  result: z.object({ entries: z.array(AuditEntry) }),
});
