import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../protocol/methods/audit.js";
import type { Thread } from "../../protocol/thread/model.js";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { mintAgent, rpc } from "./helpers.js";

type Verify = { ok: boolean; rows: number; head: string; problem: { seq: number; kind: string; message: string } | null };

/** A daemon with an audit log of at least 8 rows: operator actions, a refused agent call, a generic mutating call. */
async function withLog(): Promise<TestDaemon> {
  const d = await startDaemon();
  const c = await d.client();
  const t = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "audited", participants: [{ agent_id: "a1" }] })).thread;
  const a = await mintAgent(c, "a1");
  for (let i = 0; i < 3; i++) await a.call("thread.post", { id: t.id, body: `m${i}`, progress: true });
  await errOf(a.call("thread.override", { id: t.id, to: "closed", reason: "not mine" }));
  await rpc(c, "thread.escalate", { id: t.id, reason: "look" });
  await rpc(c, "ticket.submit", { title: "generic mutating call" });
  const v = await rpc<Verify>(c, "audit.verify");
  expect(v).toMatchObject({ ok: true, problem: null });
  expect(v.rows).toBeGreaterThanOrEqual(8);
  const { entries } = await rpc<{ entries: AuditEntry[] }>(c, "audit.list", {});
  expect(entries.map((e) => e.action)).toEqual(
    expect.arrayContaining(["agent.token_mint", "thread.create", "thread.post", "thread.override", "ticket.submit"]),
  );
  expect(entries.find((e) => e.action === "thread.override")).toMatchObject({ actor: "a1", outcome: "denied" });
  expect(entries.find((e) => e.action === "ticket.submit")).toMatchObject({ actor_kind: "operator", outcome: "ok" });
  await d.stop();
  return d;
}

/** Edits the file as an attacker would: the triggers that refuse UPDATE/DELETE dropped first. */
function tamper(d: TestDaemon, sql: (db: Database.Database) => void): void {
  const db = new Database(d.paths.database);
  db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
  sql(db);
  db.close();
}

async function verifyAfter(d: TestDaemon): Promise<Verify> {
  const d2 = await d.restart();
  try {
    return await rpc<Verify>(await d2.client(), "audit.verify");
  } finally {
    await d2.stop();
  }
}

describe("audit log hash chain", () => {
  it("refuses UPDATE and DELETE through SQL", async () => {
    const d = await withLog();
    const db = new Database(d.paths.database);
    expect(() => db.prepare("UPDATE audit_log SET reason = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM audit_log WHERE seq = 1").run()).toThrow(/append-only/);
    db.close();
  });

  it("names an edited row", async () => {
    const d = await withLog();
    tamper(d, (db) => db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4").run());
    expect((await verifyAfter(d)).problem).toMatchObject({ seq: 4, kind: "edited" });
  });

  it("names a deleted row", async () => {
    const d = await withLog();
    tamper(d, (db) => db.prepare("DELETE FROM audit_log WHERE seq = 3").run());
    const v = await verifyAfter(d);
    expect(v.ok).toBe(false);
    expect(v.problem).toMatchObject({ seq: 3, kind: "deleted" });
  });

  it("names a swapped pair", async () => {
    const d = await withLog();
    tamper(d, (db) => {
      const cols = "ts, actor, actor_kind, action, subject, outcome, reason, details, prev_hash, hash";
      const r5 = db.prepare(`SELECT ${cols} FROM audit_log WHERE seq = 5`).get() as Record<string, unknown>;
      const r6 = db.prepare(`SELECT ${cols} FROM audit_log WHERE seq = 6`).get() as Record<string, unknown>;
      const set = db.prepare(
        `UPDATE audit_log SET ${cols
          .split(", ")
          .map((k) => `${k} = @${k}`)
          .join(", ")} WHERE seq = @seq`,
      );
      set.run({ ...r6, seq: 5 });
      set.run({ ...r5, seq: 6 });
    });
    expect((await verifyAfter(d)).problem).toMatchObject({ seq: 5, kind: "reordered" });
  });
});
