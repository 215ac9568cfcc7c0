import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-ticket-cli-"));
  d = await startDaemon();
});
afterAll(async () => {
  await d?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const ctl = (...args: string[]) => swarmctl(d.env, ["--no-autostart", ...args]);
async function json<T>(...args: string[]): Promise<T> {
  const r = await ctl("--json", ...args);
  expect(r.code, `swarmctl ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe("swarmctl ticket / approval", () => {
  it("submit, list, show, edit, deps, cancel, retry with the documented forms", async () => {
    const bodyFile = path.join(dir, "body.md");
    fs.writeFileSync(bodyFile, "do the thing\n");
    const a = await json<Ticket>(
      "ticket",
      "submit",
      "--title",
      "A",
      "--body-file",
      bodyFile,
      "--priority",
      "5",
      "--label",
      "x",
      "--label",
      "y",
      "--idempotency-key",
      "k-a",
    );
    expect(a).toMatchObject({ title: "A", body: "do the thing\n", priority: 5, labels: ["x", "y"], state: "ready" });
    const again = await json<Ticket>("ticket", "submit", "--title", "A", "--idempotency-key", "k-a");
    expect(again.id).toBe(a.id);
    const b = await json<Ticket>("ticket", "submit", "--title", "B", "--depends-on", a.id, "--approval", "--body", "text");
    expect(b).toMatchObject({ state: "backlog", depends_on: [a.id], requires_approval: true });

    const ready = await json<Ticket[]>("ticket", "list", "--state", "ready");
    expect(ready.map((t) => t.id)).toEqual([a.id]);
    const shown = await json<Ticket & { history: { to: string }[] }>("ticket", "show", b.id);
    expect(shown.history.map((h) => h.to)).toEqual(["backlog"]);
    const human = await ctl("ticket", "show", a.id);
    expect(human.stdout).toContain("history:");

    expect((await json<Ticket>("ticket", "edit", a.id, "--title", "A2", "--priority", "7")).title).toBe("A2");
    const cyc = await ctl("ticket", "deps", a.id, "--add", b.id);
    expect(cyc.code).toBe(2);
    expect(cyc.stderr).toContain(`${a.id} → ${b.id} → ${a.id}`);
    expect((await json<Ticket>("ticket", "deps", b.id, "--remove", a.id)).state).toBe("ready");
    expect((await json<Ticket>("ticket", "cancel", b.id, "--reason", "not needed")).state).toBe("cancelled");
    expect((await json<Ticket>("ticket", "retry", b.id)).state).toBe("ready");

    const bad = await ctl("ticket", "submit", "--title", "x", "--priority", "high");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--priority must be a whole number/);
    const missing = await ctl("ticket", "show", "t-9999");
    expect(missing.code).toBe(3);
    const invalid = await ctl("--json", "ticket", "retry", a.id);
    expect(invalid.code).toBe(5); // INVALID_TRANSITION: only failed, cancelled or blocked tickets are retried
    expect(JSON.parse(invalid.stderr).error.message).toMatch(/is ready; retry applies to failed, cancelled, blocked/);
  });

  it("workflow submit/show, lint, and approvals from the command line", async () => {
    const wfFile = path.join(dir, "wf.json");
    fs.writeFileSync(
      wfFile,
      JSON.stringify({
        name: "w",
        tickets: [
          { key: "a", title: "a" },
          { key: "b", title: "b", depends_on: ["a"] },
        ],
      }),
    );
    const wf = await json<{ workflow: { id: string }; tickets: { key: string; state: string }[] }>("ticket", "workflow", "submit", wfFile);
    expect(wf.tickets.map((t) => `${t.key}:${t.state}`).sort()).toEqual(["a:ready", "b:backlog"]);
    const st = await json<{ state: string; counts: Record<string, number> }>("ticket", "workflow", "show", wf.workflow.id);
    expect(st).toMatchObject({ state: "pending", counts: { ready: 1, backlog: 1 } });
    fs.writeFileSync(path.join(dir, "broken.json"), "{ nope");
    const badWf = await ctl("ticket", "workflow", "submit", path.join(dir, "broken.json"));
    expect(badWf.code).toBe(2);
    expect(badWf.stderr).toMatch(/not valid JSON/);

    const tdir = path.join(dir, "tickets");
    fs.mkdirSync(tdir);
    fs.writeFileSync(path.join(tdir, "good.md"), "---\ntitle: Good\npriority: 2\n---\nbody\n");
    fs.writeFileSync(path.join(tdir, "bad.md"), "---\ntitle: [unclosed\n---\n");
    fs.writeFileSync(path.join(tdir, "nofm.md"), "just text\n");
    const lint = await ctl("--json", "ticket", "lint", tdir);
    expect(lint.code).toBe(2);
    const rep = JSON.parse(lint.stdout) as { files: number; problems: { file: string; message: string }[] };
    expect(rep.files).toBe(3);
    expect(rep.problems.map((p) => path.basename(p.file)).sort()).toEqual(["bad.md", "nofm.md"]);
    expect(rep.problems.find((p) => p.file.endsWith("nofm.md"))!.message).toMatch(/no front matter/);
    fs.rmSync(path.join(tdir, "bad.md"));
    fs.rmSync(path.join(tdir, "nofm.md"));
    expect((await ctl("ticket", "lint", tdir)).code).toBe(0);

    const t = await json<Ticket>("ticket", "submit", "--title", "gated", "--approval");
    await ctl("ticket", "list"); // human table renders
    const c = await d.client();
    await c.call("ticket.transition", { id: t.id, to: "claimed" });
    await c.call("ticket.transition", { id: t.id, to: "running" });
    const ap = await json<{ id: string; state: string }>("approval", "request", "--ticket", t.id, "--summary", "please");
    expect(ap.state).toBe("pending");
    expect((await json<{ id: string }[]>("approval", "list", "--state", "pending")).map((a) => a.id)).toContain(ap.id);
    // a summary with a diffstat under it: the human table keeps one line a row
    const multi = await json<{ id: string }>("approval", "request", "--summary", "release\n CHANGELOG.md | 4 ++++\n 1 file changed");
    const table = (await ctl("approval", "list", "--state", "pending")).stdout.split("\n").filter(Boolean);
    expect(table.find((l) => l.startsWith(multi.id))).toMatch(/ release$/);
    expect(table.some((l) => l.includes("CHANGELOG.md"))).toBe(false);
    const noReason = await ctl("approval", "reject", ap.id);
    expect(noReason.code).toBe(2);
    const ok = await json<{ state: string; decided_by: string }>("approval", "approve", ap.id, "--as", "dana", "--reason", "fine");
    expect(ok).toMatchObject({ state: "approved", decided_by: "dana" });
    const shown = await json<{ audit: { action: string; actor: string }[] }>("approval", "show", ap.id);
    expect(shown.audit.map((e) => `${e.action}:${e.actor}`)).toEqual([expect.stringMatching(/^requested:/), "approved:dana"]);
    expect((await json<Ticket>("ticket", "show", t.id)).state).toBe("done");
  });
});
