import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { AuditEntry } from "../../protocol/methods/audit.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { rpc } from "./helpers.js";

/**
 * Approval requests and decisions are rows of the one audit chain (R-O2): `audit list`
 * shows them, `audit verify` covers them, approval.audit reads them back, and a database
 * from before keeps its old approvals_audit rows, folded into the chain.
 */

type Verify = { ok: boolean; rows: number; problem: { seq: number; kind: string; message: string } | null };
type ApprovalAudit = { seq: number; approval_id: string; action: string; actor: string; reason: string | null; ts: string; details: Record<string, unknown> };

const request = (c: RpcClient, summary: string) => rpc<{ id: string }>(c, "approval.request", { summary, diff: "--- a\n+++ b\n", requested_by: "exec-1" });

/** Three approvals, one of each decision, and a refused second decision. */
async function decided(c: RpcClient): Promise<{ approved: string; rejected: string; clarified: string }> {
  const approved = (await request(c, "ship it")).id;
  const rejected = (await request(c, "drop the tables")).id;
  const clarified = (await request(c, "maybe")).id;
  await rpc(c, "approval.approve", { id: approved, actor: "dana", reason: "looks right" });
  await rpc(c, "approval.reject", { id: rejected, actor: "dana", reason: "destructive" });
  await rpc(c, "approval.clarify", { id: clarified, actor: "lee", reason: "which tables?" });
  expect((await errOf(rpc(c, "approval.approve", { id: rejected, actor: "eve" }))).kind).toBe("INVALID_TRANSITION");
  return { approved, rejected, clarified };
}

const approvalRows = (entries: AuditEntry[]) => entries.filter((e) => e.action.startsWith("approval."));

async function verifyAfter(d: TestDaemon): Promise<Verify> {
  const d2 = await d.restart();
  try {
    return await rpc<Verify>(await d2.client(), "audit.verify");
  } finally {
    await d2.stop();
  }
}

function tamper(d: TestDaemon, fn: (db: Database.Database) => void): void {
  const db = new Database(d.paths.database);
  db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
  fn(db);
  db.close();
}

describe("approval decisions in the audit chain", () => {
  it("each request and decision is one row (who, why, when); a refused decision is an error row; approval.audit reads the chain", async () => {
    const d = await startDaemon();
    try {
      const c = await d.client();
      const ids = await decided(c);
      const { entries } = await rpc<{ entries: AuditEntry[] }>(c, "audit.list", {});
      const rows = approvalRows(entries).map((e) => [e.action, e.subject, e.actor, e.outcome, e.reason]);
      expect(rows).toEqual([
        ["approval.requested", ids.approved, "exec-1", "ok", null],
        ["approval.requested", ids.rejected, "exec-1", "ok", null],
        ["approval.requested", ids.clarified, "exec-1", "ok", null],
        ["approval.approved", ids.approved, "dana", "ok", "looks right"],
        ["approval.rejected", ids.rejected, "dana", "ok", "destructive"],
        ["approval.clarification_requested", ids.clarified, "lee", "ok", "which tables?"],
        ["approval.approve", ids.rejected, expect.stringMatching(/^operator:/), "error", null],
      ]);
      for (const e of approvalRows(entries)) expect(Date.parse(e.ts)).toBeGreaterThan(0);
      const trail = await rpc<{ entries: ApprovalAudit[] }>(c, "approval.audit", {});
      expect(trail.entries.map((e) => [e.approval_id, e.action, e.actor])).toEqual([
        [ids.approved, "requested", "exec-1"],
        [ids.rejected, "requested", "exec-1"],
        [ids.clarified, "requested", "exec-1"],
        [ids.approved, "approved", "dana"],
        [ids.rejected, "rejected", "dana"],
        [ids.clarified, "clarification_requested", "lee"],
      ]);
      // the trail's seq is the chain's
      expect(trail.entries[3]!.seq).toBe(approvalRows(entries)[3]!.seq);
      const one = await rpc<{ audit: ApprovalAudit[] }>(c, "approval.get", { id: ids.rejected });
      expect(one.audit.map((e) => [e.action, e.reason])).toEqual([
        ["requested", null],
        ["rejected", "destructive"],
      ]);
      const v = await swarmctl(d.env, ["--no-autostart", "audit", "verify"]);
      expect(v.code, v.stderr).toBe(0);
    } finally {
      await d.stop();
    }
  }, 60_000);

  it("audit verify names an edited decision and a deleted one", async () => {
    const d = await startDaemon();
    const c = await d.client();
    const ids = await decided(c);
    const { entries } = await rpc<{ entries: AuditEntry[] }>(c, "audit.list", {});
    const approvedAt = entries.find((e) => e.action === "approval.approved" && e.subject === ids.approved)!.seq;
    await d.stop();
    tamper(d, (db) => db.prepare("UPDATE audit_log SET reason = 'no reason at all' WHERE seq = ?").run(approvedAt));
    expect((await verifyAfter(d)).problem).toMatchObject({ seq: approvedAt, kind: "edited" });

    const d2 = await startDaemon();
    const c2 = await d2.client();
    const ids2 = await decided(c2);
    const rejectedAt = (await rpc<{ entries: AuditEntry[] }>(c2, "audit.list", {})).entries.find(
      (e) => e.action === "approval.rejected" && e.subject === ids2.rejected,
    )!.seq;
    await d2.stop();
    tamper(d2, (db) => db.prepare("DELETE FROM audit_log WHERE seq = ?").run(rejectedAt));
    const v = await verifyAfter(d2);
    expect(v.ok).toBe(false);
    expect(v.problem).toMatchObject({ seq: rejectedAt, kind: "deleted" });
  }, 90_000);

  it("a database with the old approvals_audit table has its rows folded into the chain, and the table dropped", async () => {
    const d = await startDaemon();
    await d.stop();
    const db = new Database(d.paths.database);
    db.exec(`CREATE TABLE approvals_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, approval_id TEXT NOT NULL, ticket_id TEXT, action TEXT NOT NULL,
      actor TEXT NOT NULL, reason TEXT, ts TEXT NOT NULL, details TEXT NOT NULL)`);
    const ins = db.prepare("INSERT INTO approvals_audit (approval_id, ticket_id, action, actor, reason, ts, details) VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.run("ap-1", null, "requested", "exec-1", null, "2026-01-02T03:04:05.000Z", "{}");
    ins.run("ap-1", null, "rejected", "policy", "expired after 60 s", "2026-01-02T03:05:05.000Z", JSON.stringify({ expired: true }));
    db.close();
    const d2 = await d.restart();
    try {
      const c = await d2.client();
      const trail = await rpc<{ entries: ApprovalAudit[] }>(c, "approval.audit", {});
      expect(trail.entries.map((e) => [e.approval_id, e.action, e.actor, e.ts])).toEqual([
        ["ap-1", "requested", "exec-1", "2026-01-02T03:04:05.000Z"],
        ["ap-1", "rejected", "policy", "2026-01-02T03:05:05.000Z"],
      ]);
      const { entries } = await rpc<{ entries: AuditEntry[] }>(c, "audit.list", {});
      expect(approvalRows(entries).find((e) => e.action === "approval.rejected")).toMatchObject({ actor_kind: "policy", reason: "expired after 60 s" });
      expect(await rpc<Verify>(c, "audit.verify")).toMatchObject({ ok: true });
    } finally {
      await d2.stop();
    }
    const after = new Database(d.paths.database, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'approvals_audit'").get()).toBeUndefined();
    after.close();
  }, 60_000);
});
