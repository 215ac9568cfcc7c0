import fs from "node:fs";
import { lintDir, ticketFilesIn, type LintReport } from "./lint.js";
import { parseTicketFile, type FileTicket } from "./parse.js";
import type { WorkflowNodeInput, WorkflowStatus } from "../workflow.js";

/** A heading "Acceptance criteria" (any level) followed by at least one non-blank line before the next heading. */
export function hasAcceptanceCriteria(body: string): boolean {
  const lines = body.split(/\r?\n/);
  const at = lines.findIndex((l) => /^#{1,6}\s+acceptance criteria\s*:?\s*$/i.test(l.trim()));
  if (at < 0) return false;
  for (const l of lines.slice(at + 1)) {
    if (/^#{1,6}\s/.test(l.trim())) return false;
    if (l.trim()) return true;
  }
  return false;
}

export interface PlanReport extends LintReport {
  workflow: (WorkflowStatus & { created: boolean }) | null;
}

/**
 * A folder of ticket files as ONE workflow (a plan): lint every file, require acceptance
 * criteria in each body, then submit all tickets in one transaction, or nothing and the
 * per-file problems. Each file's ticket id is its workflow key and its ticket id.
 */
export function submitPlanDir(
  dir: string,
  deps: {
    ticketExists: (id: string) => boolean;
    maxBodyBytes: number;
    submit: (p: { name: string; tickets: WorkflowNodeInput[] }) => WorkflowStatus & { created: boolean };
  },
  name: string,
): PlanReport {
  const report = lintDir(dir, deps.ticketExists, deps.maxBodyBytes);
  const tickets: { file: string; t: FileTicket }[] = [];
  for (const file of ticketFilesIn(report.dir)) {
    const p = parseTicketFile(fs.readFileSync(file, "utf8"), file);
    if (!p.ok) continue;
    tickets.push({ file, t: p.ticket });
    if (!hasAcceptanceCriteria(p.ticket.body)) {
      report.problems.push({
        file,
        message: "no acceptance criteria: add a `## Acceptance criteria` heading with at least one line (e.g. `- tests pass`) under it",
        line: null,
      });
    }
  }
  if (report.files === 0) report.problems.push({ file: report.dir, message: "no ticket files (*.md) in the folder: the planner wrote nothing", line: null });
  for (const { file, t } of tickets) {
    if (deps.ticketExists(t.id))
      report.problems.push({ file, message: `ticket ${t.id} already exists; a plan creates new tickets only (rename the id)`, line: null });
  }
  report.ok = report.problems.length === 0;
  if (!report.ok) return { ...report, workflow: null };
  const nodes: WorkflowNodeInput[] = tickets.map(({ t }) => ({
    key: t.id,
    id: t.id,
    title: t.title,
    body: t.body,
    priority: t.priority,
    depends_on: t.depends_on,
    labels: t.labels,
    requires_approval: t.requires_approval,
    workspace: t.workspace,
    ...(t.agent_kind !== undefined ? { agent_kind: t.agent_kind } : {}),
    ...(t.timeout_ms !== undefined ? { timeout_ms: t.timeout_ms } : {}),
    ...(t.max_attempts !== undefined ? { max_attempts: t.max_attempts } : {}),
  }));
  return { ...report, workflow: deps.submit({ name, tickets: nodes }) };
}
