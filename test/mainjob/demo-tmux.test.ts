import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { ROOT, deadlineMs, startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { pathWithoutAgents, scratchRepo } from "./path-fixture.js";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const sock = `swarm-demo-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync("tmux", ["-L", sock, ...args], { encoding: "utf8" });
const SWARM = path.join(ROOT, "bin/swarm.js");

function run(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [SWARM, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (b) => (out += b));
    p.stderr.on("data", (b) => (out += b));
    p.on("exit", (code) => resolve({ code, out }));
  });
}

/**
 * The README's main-job command, in a real terminal: `swarm demo` builds the scratch repo,
 * submits the six-ticket workflow, and opens the TUI, where the demo's agents show up while
 * the tickets move; the release ends waiting for approval with its diff, within 60 s (scaled
 * for a loaded host). No agent CLI is on PATH; host admission is off (the test host is busy
 * by design). `swarm demo --clean` then removes what it made.
 */
describe.skipIf(!hasTmux)("swarm demo in tmux", () => {
  let d: TestDaemon | undefined;
  const bin = pathWithoutAgents();
  afterAll(async () => {
    tmux("kill-server");
    await killAll(d);
    await d?.stop();
    bin.remove();
  });

  it("shows agents working and tickets moving, ends with an approval pending; --clean removes it", async () => {
    d = await startDaemon({ extraEnv: { PATH: bin.dir }, config: { coordinator: { max_load_per_cpu: 0, min_free_mem_mb: 0 } } });
    const c: RpcClient = await d.client();
    const env = { ...d.env, PATH: bin.dir, TERM: "xterm-256color" };
    const envArgs = Object.entries({ SWARM_HOME: d.env.SWARM_HOME!, PATH: bin.dir, TERM: "xterm-256color" }).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const t0 = Date.now();
    expect(tmux("new-session", "-d", "-s", "demo", "-x", "160", "-y", "45", ...envArgs, process.execPath, SWARM, "demo").status).toBe(0);
    const screen = () => tmux("capture-pane", "-p", "-t", "demo").stdout;
    await waitFor("the TUI connected", () => screen().includes("connected"), 30_000, 100);
    // a demo agent's runtime on screen while its ticket runs
    await waitFor("a demo agent on screen", () => /ticket-demo-1-\w+/.test(screen()), 60_000, 100);
    const wf = async () => {
      const { tickets } = (await c.call("ticket.list", { workspace: "swarm-demo" })) as { tickets: { id: string; state: string }[] };
      return new Map(tickets.map((t) => [t.id, t.state]));
    };
    await waitFor(
      "one of the four pieces running",
      async () => {
        const now = await wf();
        return ["add", "sub", "mul", "docs"].some((k) => now.get(`demo-1-${k}`) === "running");
      },
      60_000,
      100,
    );
    const approval = await waitFor(
      "the release waiting for approval",
      async () => {
        const { approvals } = (await c.call("approval.list", { ticket_id: "demo-1-release", state: "pending" })) as { approvals: { id: string }[] };
        return approvals[0];
      },
      60_000,
      200,
    );
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(deadlineMs(60_000));
    const states = await wf();
    expect([...states.entries()].sort()).toEqual([
      ["demo-1-add", "done"],
      ["demo-1-docs", "done"],
      ["demo-1-mul", "done"],
      ["demo-1-plan", "done"],
      ["demo-1-release", "review"],
      ["demo-1-sub", "done"],
    ]);
    const ap = (await c.call("approval.get", { id: approval.id })) as { diff: string };
    const files = ["src/add.sh", "src/sub.sh", "src/mul.sh", "docs/usage.md", "PLAN.md", "CHANGELOG.md"];
    const missing = files.filter((f) => !ap.diff.includes(`+++ b/${f}`));
    if (missing.length) {
      // say what the agents did, so a failure here can be understood from the log alone
      const screens = await Promise.all(
        ["plan", "add", "sub", "mul", "docs", "release"].map(async (k) => {
          const r = await c.call("runtime.screen", { name: `ticket-demo-1-${k}` }).catch((e: Error) => ({ lines: [e.message] }));
          const t = (await c.call("ticket.get", { id: `demo-1-${k}` })) as { result: unknown };
          return `--- ${k}: ${JSON.stringify(t.result)}\n${(r as { lines: string[] }).lines.join("\n")}`;
        }),
      );
      expect(missing, screens.join("\n")).toEqual([]);
    }
    // the release's agent posted in its review thread through the bridge
    const threads = (await c.call("thread.list", {})) as { threads: { ticket_id: string | null; last_seq: number }[] };
    expect(threads.threads.find((t) => t.ticket_id === "demo-1-release")?.last_seq).toBeGreaterThanOrEqual(1);
    // on screen: the approval the release waits for is counted on its tab (the tab alone says "Approvals")
    await waitFor("the TUI showing the pending approval", () => /Approvals \(1\)/.test(screen()), 30_000, 100);
    tmux("send-keys", "-t", "demo", "q");

    const repo = JSON.parse(fs.readFileSync(path.join(d.home, "demo", "state.json"), "utf8")).repo as string;
    expect(fs.existsSync(repo)).toBe(true);
    const clean = await run(env, ["demo", "--clean"]);
    expect(clean.code, clean.out).toBe(0);
    expect(clean.out).toContain("removed 6 tickets' runtimes and environments");
    expect(fs.existsSync(path.join(d.home, "demo"))).toBe(false);
    expect(((await c.call("config.get", { key: "coordinator" })).value as { repos: object; agent_kinds: string[] }).repos).toEqual({});
    expect(((await c.call("config.get", { key: "coordinator" })).value as { agent_kinds: string[] }).agent_kinds).toEqual([]);
    expect(((await c.call("env.list", {})) as { envs: unknown[] }).envs).toEqual([]);
    // nothing of the demo waits in the trash for a restore, and its review thread is closed
    expect((await c.call("env.trash_list", {})).entries.filter((e) => e.repo === repo)).toEqual([]);
    expect(clean.out).toMatch(/\(6 from the trash\), closed thread th-\d+/);
    expect((await c.call("ticket.get", { id: "demo-1-release" })).state).toBe("cancelled");
  });

  it("--no-tui prints progress and ends at the approval; a second demo gets fresh ids", async () => {
    const env = { ...d!.env, PATH: bin.dir };
    const r = await run(env, ["demo", "--no-tui", "--timeout", "3m"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/demo-2-plan\s+running/);
    expect(r.out).toMatch(/demo-2-release\s+review/);
    expect(r.out).toMatch(/the release waits for your approval: swarmctl approval show ap-\d+/);
    const bad = await run(env, ["demo", "--frobnicate"]);
    expect(bad.code).toBe(64);
    expect(bad.out).toContain("swarm demo: unknown argument --frobnicate");
    const soon = await run(env, ["demo", "--no-tui", "--timeout", "soon"]);
    expect(soon.code).toBe(64);
    expect(soon.out).toContain('--timeout needs seconds or a duration such as 90, 90s or 2m, not "soon"');
    // the README's order: the demo, then `swarmctl init` in your repository (no agent CLI: the
    // scripted agent, already listed by the demo), then the demo's clean: init's choice stays
    const repo = scratchRepo();
    const init = await swarmctl(env, ["--no-autostart", "init", repo]);
    expect(init.code, init.stderr).toBe(0);
    expect((await run(env, ["demo", "--clean"])).code).toBe(0);
    const c: RpcClient = await d!.client();
    const co = (await c.call("config.get", { key: "coordinator" })).value as { agent_kinds: string[]; default_agent_kind: string; repo: string };
    expect(co).toMatchObject({ agent_kinds: ["scripted"], default_agent_kind: "scripted", repo });
    fs.rmSync(repo, { recursive: true, force: true });
  });
});
