import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { ERROR_KINDS } from "../../protocol/errors.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon;
let c: RpcClient;
let root: string;

/** A spec whose ```recipe block makes the scripted agent write the given ticket files, then exit. */
function spec(files: Record<string, string>): string {
  const writes = Object.entries(files).map(([f, text]) => `write ${f} <<EOF\n${text}EOF`);
  const file = path.join(root, `spec-${Object.keys(files).join("-")}.md`);
  fs.writeFileSync(file, ["# Spec", "Build the thing.", "", "```recipe", ...writes, "exit", "```", ""].join("\n"));
  return file;
}
const ticket = (title: string, deps: string[], ac = "## Acceptance criteria\n- done when tested\n") =>
  `---\ntitle: ${title}\ndepends_on: [${deps.join(", ")}]\nlabels: [planned]\n---\n${ac}`;
const planned = async () => (await c.call<{ tickets: Ticket[] }>("ticket.list", { label: "planned", limit: 100 })).tickets;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-plan-cli-"));
  fs.mkdirSync(path.join(root, "tickets"));
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("swarmctl plan SPEC.md with the scripted agent", () => {
  it("a plan with a cycle and a ticket without acceptance criteria is refused per file; nothing is submitted", async () => {
    const file = spec({ "x-a.md": ticket("A", ["x-b"]), "x-b.md": ticket("B", ["x-a"]), "x-c.md": ticket("C", [], "no criteria here\n") });
    const r = await swarmctl(d.env, ["plan", file, "--agent", "scripted", "--dir", path.join(root, "tickets")], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/x-(a|b)\.md: .*dependencies form a cycle: x-(a|b) → x-(a|b) → x-(a|b)/);
    expect(r.stdout).toMatch(/x-c\.md: .*no acceptance criteria/);
    expect(r.stdout).toMatch(/nothing submitted: 2 problem\(s\) in 3 file\(s\)/);
    expect(await planned()).toEqual([]);
  });

  it("a clean plan is submitted as one workflow; --json gives the tickets and the planner's runtime", async () => {
    const file = spec({ "y-api.md": ticket("API", []), "y-ui.md": ticket("UI", ["y-api"]) });
    const r = await swarmctl(d.env, ["plan", file, "--agent", "scripted", "--dir", path.join(root, "tickets"), "--json"], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; planner: string; dir: string; workflow: { workflow: { id: string }; tickets: Ticket[] } };
    expect(out.ok).toBe(true);
    expect(out.workflow.tickets.map((t) => t.id).sort()).toEqual(["y-api", "y-ui"]);
    expect(fs.readdirSync(out.dir).sort()).toEqual(["y-api.md", "y-ui.md"]);
    const ts = new Map((await planned()).map((t) => [t.id, t]));
    expect(ts.get("y-ui")).toMatchObject({ depends_on: ["y-api"], state: "backlog", workflow_id: out.workflow.workflow.id });
    expect(ts.get("y-api")!.state).toBe("ready");
    expect((await c.call<{ state: string }>("runtime.show", { name: out.planner })).state).toBe("exited");
  });

  it("an agent kind that cannot plan and a missing spec are refused with what to do", async () => {
    const bad = await swarmctl(d.env, ["plan", path.join(root, "nope.md"), "--agent", "scripted"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/cannot read the spec .*nope\.md/);
    const file = spec({ "z-a.md": ticket("Z", []) });
    const noKind = await swarmctl(d.env, ["plan", file]);
    expect(noKind.code).not.toBe(0);
    expect(noKind.stderr).toMatch(/agent kind "command" cannot plan \(it is coordinator.default_agent_kind\)[\s\S]*--agent/);
    // the planner's bound is a duration of its own (--timeout is every call's deadline), checked before anything starts
    const badTime = await swarmctl(d.env, ["plan", file, "--agent", "scripted", "--max-time", "soon"]);
    expect(badTime.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(badTime.stderr).toContain('--max-time must be a duration like 500ms, 10s, 5m or 1h, got "soon"');
  });
});
