import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon;
let c: RpcClient;
const dirs: string[] = [];

interface PlanResult {
  ok: boolean;
  files: number;
  problems: { file: string; message: string }[];
  workflow: { workflow: { id: string }; tickets: (Ticket & { key: string })[] } | null;
}

const AC = "## Acceptance criteria\n- it works\n";
function planDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-plan-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
const ticket = (title: string, deps: string[] = [], body = AC) => `---\ntitle: ${title}\ndepends_on: [${deps.join(", ")}]\nlabels: [plan]\n---\n${body}`;
const planTickets = async () => (await c.call<{ tickets: Ticket[] }>("ticket.list", { label: "plan", limit: 1000 })).tickets;
const byFile = (r: PlanResult) => Object.fromEntries(r.problems.map((p) => [path.basename(p.file), p.message]));

beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("ticket.plan_submit: a folder of ticket files as one workflow", () => {
  it("a cycle, a missing title, missing acceptance criteria and an unknown dependency are each named per file; nothing is submitted", async () => {
    const dir = planDir({
      "p-a.md": ticket("A", ["p-b"]),
      "p-b.md": ticket("B", ["p-a"]),
      "p-c.md": "---\npriority: 1\n---\n" + AC,
      "p-d.md": ticket("D", [], "Just do it.\n"),
      "p-e.md": ticket("E", ["p-nobody"]),
      "p-f.md": ticket("F"),
    });
    const r = await c.call<PlanResult>("ticket.plan_submit", { dir });
    expect(r.ok).toBe(false);
    expect(r.workflow).toBeNull();
    const m = byFile(r);
    expect(m["p-a.md"] ?? m["p-b.md"]).toMatch(/cycle: p-(a|b) → p-(a|b) → p-(a|b)/);
    expect(m["p-c.md"]).toMatch(/title/);
    expect(m["p-d.md"]).toMatch(/no acceptance criteria/);
    expect(m["p-e.md"]).toMatch(/depends_on p-nobody: no ticket/);
    expect(m["p-f.md"]).toBeUndefined();
    expect(await planTickets()).toEqual([]);
  });

  it("an acceptance-criteria heading with nothing under it is not enough; an empty folder is an error", async () => {
    const r = await c.call<PlanResult>("ticket.plan_submit", { dir: planDir({ "q-a.md": ticket("A", [], "## Acceptance criteria\n\n## Notes\nx\n") }) });
    expect(byFile(r)["q-a.md"]).toMatch(/no acceptance criteria/);
    const empty = await c.call<PlanResult>("ticket.plan_submit", { dir: planDir({}) });
    expect(empty.ok).toBe(false);
    expect(empty.problems[0]!.message).toMatch(/no ticket files/);
    expect(await planTickets()).toEqual([]);
  });

  it("a clean folder is submitted atomically as one workflow with its dependencies; submitting it again creates nothing", async () => {
    const dir = planDir({ "w-api.md": ticket("API"), "w-ui.md": ticket("UI", ["w-api"]), "w-docs.md": ticket("Docs", ["w-api", "w-ui"]) });
    const r = await c.call<PlanResult>("ticket.plan_submit", { dir, name: "web" });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    const ts = new Map(r.workflow!.tickets.map((t) => [t.id, t]));
    expect([...ts.keys()].sort()).toEqual(["w-api", "w-docs", "w-ui"]);
    expect(ts.get("w-docs")!.depends_on.sort()).toEqual(["w-api", "w-ui"]);
    expect(ts.get("w-api")!.state).toBe("ready");
    expect(ts.get("w-ui")!.state).toBe("backlog");
    const again = await c.call<PlanResult>("ticket.plan_submit", { dir });
    expect(again.ok).toBe(false);
    expect(byFile(again)["w-api.md"]).toMatch(/already exists/);
    expect((await planTickets()).length).toBe(3);
  });
});
