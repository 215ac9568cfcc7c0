import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Approval } from "../../protocol/methods/approval.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";

let d: TestDaemon;
let c: RpcClient;
let repo: string;

beforeAll(async () => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-approval-repo-"));
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", ...args]);
  git("init", "-q", "-b", "main");
  fs.writeFileSync(path.join(repo, "a.txt"), "one\n");
  git("add", "a.txt");
  git("commit", "-q", "-m", "base");
  fs.writeFileSync(path.join(repo, "a.txt"), "one\ntwo\n");
  fs.writeFileSync(path.join(repo, "new.txt"), "fresh\n");
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
  fs.rmSync(repo, { recursive: true, force: true });
});

async function runningTicket(requiresApproval = true): Promise<Ticket> {
  const t = (await c.call<{ ticket: Ticket }>("ticket.submit", { title: "gated", requires_approval: requiresApproval })).ticket;
  await c.call("ticket.transition", { id: t.id, to: "claimed" });
  return c.call<Ticket>("ticket.transition", { id: t.id, to: "running" });
}
const ticket = (id: string) => c.call<Ticket>("ticket.get", { id });

describe("approval gates", () => {
  it("a gated ticket reaches done only through an approval that carries the workdir's diff; decisions are audited", async () => {
    const t = await runningTicket();
    const refused = await errOf(c.call("ticket.transition", { id: t.id, to: "done" }));
    expect(refused.kind).toBe("INVALID_TRANSITION");
    expect(refused.message).toMatch(/requires approval/);

    const a = await c.call<Approval>("approval.request", { ticket_id: t.id, summary: "adds two", workdir: repo, requested_by: "agent-1" });
    expect(a.state).toBe("pending");
    expect(a.files_changed).toEqual(["a.txt", "new.txt"]);
    expect(a.untracked).toEqual(["new.txt"]);
    expect(a.diff).toContain("+two");
    expect(a.diff).toContain("+fresh");
    expect(a.base).toBe("HEAD");
    expect((await ticket(t.id)).state).toBe("review");
    expect((await errOf(c.call("ticket.transition", { id: t.id, to: "done" }))).kind).toBe("INVALID_TRANSITION");
    expect((await errOf(c.call("approval.request", { ticket_id: t.id, summary: "again" }))).kind).toBe("CONFLICT");

    const ok = await c.call<Approval>("approval.approve", { id: a.id, actor: "alice", reason: "looks right" });
    expect(ok.state).toBe("approved");
    expect(ok.decided_by).toBe("alice");
    expect((await ticket(t.id)).state).toBe("done");
    const again = await errOf(c.call("approval.reject", { id: a.id, reason: "too late" }));
    expect(again.kind).toBe("INVALID_TRANSITION");
    expect(again.message).toMatch(/already approved by alice/);

    const full = await c.call<Approval & { audit: { action: string; actor: string; reason: string | null; ts: string }[] }>("approval.get", { id: a.id });
    expect(full.audit.map((e) => [e.action, e.actor, e.reason])).toEqual([
      ["requested", "agent-1", null],
      ["approved", "alice", "looks right"],
    ]);
    for (const e of full.audit) expect(Date.parse(e.ts)).toBeGreaterThan(0);
  });

  it("an approval requested with a diff as text lists the files of the diff's headers (none of them known untracked)", async () => {
    const t = await runningTicket();
    const diff = [
      "diff --git a/src/app.ts b/src/app.ts",
      "--- a/src/app.ts",
      "+++ b/src/app.ts",
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "diff --git a/NOTES.md b/NOTES.md",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/NOTES.md",
      "@@ -0,0 +1 @@",
      "+n",
      "",
    ].join("\n");
    const a = await c.call<Approval>("approval.request", { ticket_id: t.id, summary: "text", diff });
    expect(a).toMatchObject({ files_changed: ["NOTES.md", "src/app.ts"], untracked: [] });
    await c.call("approval.approve", { id: a.id, actor: "alice" });
  });

  it("reject fails the ticket, clarify blocks it until a new request; both need a reason", async () => {
    const r = await runningTicket();
    const ar = await c.call<Approval>("approval.request", { ticket_id: r.id, summary: "s", diff: "--- a\n+++ b\n" });
    expect((await errOf(c.call("approval.reject", { id: ar.id }))).message).toMatch(/needs a reason/);
    await c.call("approval.reject", { id: ar.id, reason: "wrong approach", actor: "bob" });
    const rt = await ticket(r.id);
    expect(rt.state).toBe("failed");
    expect(rt.state_reason).toContain("wrong approach");

    const q = await runningTicket();
    const aq = await c.call<Approval>("approval.request", { ticket_id: q.id, summary: "s" });
    await c.call("approval.clarify", { id: aq.id, reason: "which API?", actor: "carol" });
    expect((await ticket(q.id)).state).toBe("blocked");
    const aq2 = await c.call<Approval>("approval.request", { ticket_id: q.id, summary: "answered: the v2 API" });
    expect((await ticket(q.id)).state).toBe("review");
    await c.call("approval.approve", { id: aq2.id, actor: "carol" });
    expect((await ticket(q.id)).state).toBe("done");

    const audit = await c.call<{ entries: { approval_id: string; action: string; actor: string }[] }>("approval.audit", {});
    expect(audit.entries.filter((e) => e.approval_id === aq.id).map((e) => e.action)).toEqual(["requested", "clarification_requested"]);
  });

  it("a pending approval expires into the configured outcome, also across a daemon SIGKILL", async () => {
    const t = await runningTicket();
    const a = await c.call<Approval>("approval.request", { ticket_id: t.id, summary: "nobody looks", timeout_ms: 1000 });
    const done = await waitFor(
      "expiry",
      async () => {
        const x = await c.call<Approval>("approval.get", { id: a.id });
        return x.state !== "pending" ? x : null;
      },
      10_000,
      50,
    );
    expect(done.state).toBe("rejected"); // approvals.expire_outcome default
    expect(done.expired).toBe(true);
    expect(done.decided_by).toBe("policy");
    expect((await ticket(t.id)).state).toBe("failed");
    const evs = await c.call<{ events: { type: string; subject: string }[] }>("event.list", { types: ["approval.*"] });
    expect(evs.events.some((e) => e.type === "approval.expired" && e.subject === a.id)).toBe(true);

    const t2 = await runningTicket();
    const a2 = await c.call<Approval>("approval.request", { ticket_id: t2.id, summary: "daemon dies", timeout_ms: 1000 });
    await d.kill();
    d = await d.restart();
    c = await d.client();
    const after = await waitFor(
      "expiry after restart",
      async () => {
        const x = await c.call<Approval>("approval.get", { id: a2.id });
        return x.state !== "pending" ? x : null;
      },
      10_000,
      50,
    );
    expect(after.expired).toBe(true);
    expect((await ticket(t2.id)).state).toBe("failed");
  });

  it("a gated ticket finished into review without an approval gets one opened by swarm, with the result's workdir diff", async () => {
    const t = await runningTicket();
    await c.call("ticket.transition", { id: t.id, to: "review", result: { workdir: repo, summary: "agent says: done" } });
    const opened = await waitFor(
      "an approval opened by swarm",
      async () => {
        const r = await c.call<{ approvals: Omit<Approval, "diff">[] }>("approval.list", { ticket_id: t.id, state: "pending" });
        return r.approvals[0];
      },
      10_000,
      20,
    );
    expect(opened).toMatchObject({ requested_by: "swarm", summary: "agent says: done", files_changed: ["a.txt", "new.txt"] });
    expect((await c.call<Approval>("approval.get", { id: opened.id })).diff).toContain("+two");
    await c.call("approval.approve", { id: opened.id, actor: "erin" });
    expect((await ticket(t.id)).state).toBe("done");
    // An ungated ticket in review gets none.
    const u = await runningTicket(false);
    await c.call("ticket.transition", { id: u.id, to: "review" });
    const gated = await runningTicket();
    await c.call("ticket.transition", { id: gated.id, to: "review" });
    await waitFor(
      "the gated one's approval",
      async () => (await c.call<{ approvals: unknown[] }>("approval.list", { ticket_id: gated.id })).approvals.length === 1,
      10_000,
      20,
    );
    expect((await c.call<{ approvals: unknown[] }>("approval.list", { ticket_id: u.id })).approvals).toEqual([]);
  });

  it("bad requests say what is wrong", async () => {
    const notGit = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-notgit-"));
    expect((await errOf(c.call("approval.request", { summary: "s", workdir: notGit }))).message).toMatch(/not a git work tree/);
    expect((await errOf(c.call("approval.request", { summary: "s", workdir: "/nonexistent/x" }))).message).toMatch(/not a folder/);
    expect((await errOf(c.call("approval.request", { summary: "s", workdir: repo, base: "no-such-ref" }))).message).toMatch(/not a commit/);
    expect((await errOf(c.call("approval.request", { summary: "s", workdir: repo, base: "--output=/tmp/x" }))).message).toMatch(/not an option/);
    expect((await errOf(c.call("approval.request", { summary: "" }))).kind).toBe("INVALID_ARGUMENT");
    expect((await errOf(c.call("approval.request", { summary: "s", ticket_id: "t-424242" }))).kind).toBe("NOT_FOUND");
    expect((await errOf(c.call("approval.get", { id: "ap-999" }))).kind).toBe("NOT_FOUND");
    expect((await errOf(c.call("approval.get", { id: "bogus" }))).kind).toBe("INVALID_ARGUMENT");
    // A standalone approval (no ticket) is fine.
    const solo = await c.call<Approval>("approval.request", { summary: "may I delete the cache?" });
    expect(solo.ticket_id).toBeNull();
    expect((await c.call<Approval>("approval.approve", { id: solo.id })).state).toBe("approved");
    fs.rmSync(notGit, { recursive: true, force: true });
  });
});
