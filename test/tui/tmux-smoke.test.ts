import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { ROOT, startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, killAll } from "../runtime/runtime-helpers.js";
import { userName } from "../../protocol/os.js";

/*
 * The TUI in a real terminal: one tmux server on a private socket, one daemon, a few
 * fake agents, cases in order on the same TUI (each leaves it on the agents view).
 * With SWARM_TUI_CAPTURES=DIR set, each view's screen is written there for docs/tui.md.
 */
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const sock = `swarm-tui-test-${process.pid}`;
let d: TestDaemon;
let c: RpcClient;
let logDir: string;
let env: NodeJS.ProcessEnv;
const tmux = (...args: string[]) => spawnSync("tmux", ["-L", sock, ...args], { encoding: "utf8", env });
const screen = () => tmux("capture-pane", "-p", "-t", "tui").stdout;
const keys = (...k: string[]) => tmux("send-keys", "-t", "tui", ...k);
const typeText = (text: string) => tmux("send-keys", "-t", "tui", "-l", text);
const until = (what: string, pred: (s: string) => boolean, ms = 15_000) => waitFor(`${what}\n--- screen ---\n${screen()}`, () => pred(screen()), ms);
const capture = (name: string) => {
  const dir = process.env.SWARM_TUI_CAPTURES;
  if (dir) fs.writeFileSync(path.join(dir, `${name}.txt`), screen());
};

beforeAll(async () => {
  if (!hasTmux) return;
  // the host is shared with other test runs: admission by load would refuse our one claim
  // human_quiet_ms 0: the prompt-box case follows the attach case, whose typing would otherwise
  // make runtime.send refuse for 20 s (the quiet window protecting a person at the keyboard)
  d = await startDaemon({ config: { coordinator: { max_load_per_cpu: 10_000 }, runtime: { human_quiet_ms: 0 } } });
  env = { ...d.env, TERM: "xterm-256color", CI: "true" };
  c = await d.client();
  logDir = fs.mkdtempSync(path.join(d.home, "logs-"));
  await c.call("runtime.start", { name: "fa1", command: [FAKE_AGENT, "--log", path.join(logDir, "fa1.log"), "--work-ms", "50"], cols: 60, rows: 12 });
  await c.call("runtime.start", { name: "fa2", command: [FAKE_AGENT, "--print-steady", "4"], cols: 60, rows: 12 });
  await c.call("runtime.start", {
    name: "raw",
    command: [process.execPath, path.join(ROOT, "test/tui/raw-keys.mjs"), path.join(logDir, "raw.log")],
    cols: 60,
    rows: 12,
  });
  // a gated ticket finished by a worker goes to review with an approval waiting
  await c.call("ticket.submit", { id: "gated", title: "needs a look", requires_approval: true });
  const claim = await c.call("ticket.claim", { worker: "w1", wait_ms: 5000 });
  expect(claim.lease, claim.reason ?? "").not.toBeNull();
  await c.call("ticket.complete", { id: "gated", lease: claim.lease!.lease, result: { ok: true } });
  await waitFor("approval requested", async () => (await c.call("approval.list", { state: "pending" })).approvals.length === 1);
  // a second one, with a diff given as text to look at (a new file among them)
  const diff = [
    "diff --git a/src/app.ts b/src/app.ts",
    "--- a/src/app.ts",
    "+++ b/src/app.ts",
    "@@ -1,2 +1,2 @@",
    " export const a = 1;",
    "-export const b = 2;",
    "+export const b = 3;",
    "diff --git a/NOTES.md b/NOTES.md",
    "new file mode 100644",
    "--- /dev/null",
    "+++ b/NOTES.md",
    "@@ -0,0 +1 @@",
    "+remember b",
    "",
  ].join("\n");
  await c.call("approval.request", { summary: "bump b to 3", diff, requested_by: "fa1" });
  await c.call("thread.create", { title: "design chat" });
  // CI=true as in CI jobs: the TUI must still render live on a terminal.
  const r = tmux("new-session", "-d", "-s", "tui", "-x", "120", "-y", "40", process.execPath, path.join(ROOT, "bin/swarm.js"));
  expect(r.status, r.stderr).toBe(0);
  await until("TUI connected with panes", (s) => s.includes(`pid ${d.proc.pid}`) && s.includes("raw-keys ready") && s.includes("steady"), 30_000);
});

afterAll(async () => {
  if (!hasTmux) return;
  tmux("kill-server");
  await killAll(d);
  await d?.stop();
});

describe.skipIf(!hasTmux)("TUI in a real terminal (tmux)", () => {
  it("every view is reachable by its key; ? shows the keys of the view", async () => {
    capture("agents");
    const views: [string, string, string][] = [
      ["2", "tickets", "review 1"],
      ["3", "approvals", "bump b to 3"],
      ["4", "threads", "design chat"],
      ["5", "events", "event(s)"],
      ["6", "envs", "No environments."],
      ["7", "coordinator", "caps by agent kind"],
    ];
    for (const [key, name, marker] of views) {
      keys(key);
      await until(`${name} view`, (s) => s.includes(marker));
      capture(name);
    }
    keys("?");
    await until("help of the coordinator view", (s) => s.includes("Keys (Esc or ? closes)") && s.includes("quit the TUI"));
    keys("Escape", "1");
    await until("back on agents", (s) => s.includes("raw-keys ready"));
  });

  it("Enter zooms the focused agent and Esc returns to the grid", async () => {
    keys("Enter");
    await until("fa1 zoomed", (s) => s.includes("fa1 custom") && !s.includes("fa2 custom"));
    capture("agents-zoomed");
    keys("Escape");
    await until("grid", (s) => s.includes("fa1 custom") && s.includes("fa2 custom"));
  });

  it("attach: typed keys reach the agent as human input; the detach key never does", async () => {
    keys("a");
    await until("attached", (s) => s.includes("attached to fa1") && s.includes("Ctrl-] detaches"));
    typeText("typed by a human");
    keys("Enter");
    await waitFor(
      "fa1 logged the typed line",
      () => fs.existsSync(path.join(logDir, "fa1.log")) && fs.readFileSync(path.join(logDir, "fa1.log"), "utf8").includes("typed by a human"),
    );
    keys("C-]");
    await until("detached, TUI back", (s) => s.includes("1 Agents") && s.includes("detached"));
    const fa1 = await c.call("runtime.show", { name: "fa1" });
    expect(fa1.last_human_input_at).not.toBeNull();
    // the raw program shows exactly which bytes reached its PTY
    keys("/");
    typeText("raw");
    keys("Enter", "a");
    await until("attached to raw", (s) => s.includes("attached to raw"));
    typeText("xyz");
    await waitFor("raw got xyz", () => fs.existsSync(path.join(logDir, "raw.log")) && fs.readFileSync(path.join(logDir, "raw.log"), "utf8").includes("xyz"));
    keys("C-]");
    await until("detached from raw", (s) => s.includes("1 Agents") && s.includes("detached"));
    const raw = fs.readFileSync(path.join(logDir, "raw.log"), "utf8");
    expect(raw).toContain("xyz");
    expect(raw).not.toContain("\\u001d");
    keys("/", "C-u", "Enter");
    await until("filter cleared", (s) => s.includes("fa2 custom"));
  });

  it("p sends a prompt to the focused agent (runtime.send)", async () => {
    keys("p");
    typeText("via the prompt box");
    keys("Enter");
    await waitFor("fa1 got the prompt", () => fs.readFileSync(path.join(logDir, "fa1.log"), "utf8").includes("via the prompt box"));
    await until("flash", (s) => s.includes("sent to fa1"));
  });

  it("p right after a person typed: the daemon refuses, the box offers send anyway, y sends with force", async () => {
    // the quiet window protecting a person at the keyboard, on for this case only
    await c.call("config.set", { key: "runtime.human_quiet_ms", value: 60_000 });
    const log = () => fs.readFileSync(path.join(logDir, "fa1.log"), "utf8");
    try {
      keys("a");
      await until("attached", (s) => s.includes("attached to fa1"));
      typeText("a person at the keyboard");
      keys("Enter");
      await waitFor("fa1 logged the typed line", () => log().includes("a person at the keyboard"));
      keys("C-]");
      await until("detached, TUI back", (s) => s.includes("1 Agents") && s.includes("detached"));
      keys("p");
      await until("the prompt box", (s) => s.includes("send to fa1:"));
      typeText("sent anyway");
      keys("Enter");
      await until("asks to send anyway", (s) => /not sent to fa1: a person typed into it \d+ s ago \(quiet window 60000 ms\)\. Send anyway\? \(y\/n\)/.test(s));
      expect(log()).not.toContain("sent anyway");
      keys("y");
      await waitFor("fa1 got the text sent anyway", () => log().includes("sent anyway"));
      await until("flash", (s) => s.includes("sent to fa1 (over the draft or typing)"));
    } finally {
      await c.call("config.set", { key: "runtime.human_quiet_ms", value: 0 });
    }
  });

  it("approve an approval from the TUI with a reason: the ticket moves on to done", async () => {
    keys("3", "Enter");
    await until("diff viewer of ap-1", (s) => s.includes("ap-1 diff · 0 file(s)"));
    keys("Down");
    await until("diff viewer of ap-2", (s) => s.includes("ap-2 diff · 2 file(s)") && s.includes("+export const b = 3;"));
    capture("approvals-diff");
    keys("Up");
    await until("back on ap-1", (s) => s.includes("ap-1 diff ·"));
    keys("A");
    typeText("looks right");
    keys("Enter");
    await waitFor("ticket done", async () => (await c.call("ticket.get", { id: "gated" })).state === "done");
    const [ap] = (await c.call("approval.list", { ticket_id: "gated" })).approvals;
    expect(ap).toMatchObject({ state: "approved", decision_reason: "looks right", decided_by: userName() });
    await until("approval shown approved", (s) => s.includes("approved"));
  });

  it("post in a thread as the operator", async () => {
    keys("4", "Enter", "m");
    typeText("hello from the tui");
    keys("Enter");
    const [th] = (await c.call("thread.list", {})).threads;
    await waitFor("message posted", async () =>
      (await c.call("thread.read", { id: th!.id, since: 0 })).messages.some((m) => m.author === "operator" && m.body === "hello from the tui"),
    );
    await until("message shown", (s) => s.includes("hello from the tui"));
    capture("threads-messages");
    keys("1");
  });

  it("resizes to 80x24 and 200x60 with the frame inside the terminal", async () => {
    for (const [x, y] of [
      [80, 24],
      [200, 60],
      [120, 40],
    ] as const) {
      tmux("resize-window", "-t", "tui", "-x", String(x), "-y", String(y));
      await until(`${x}x${y}`, (s) => {
        const lines = s.replace(/\n$/, "").split("\n");
        return lines.length === y && lines[0]!.startsWith("swarm ● connected") && lines[0]!.trimEnd().endsWith("q quit") && /needs you|NEEDS YOU/.test(s);
      });
      if (x === 80) capture("agents-80x24");
    }
  });

  it("kill -9 swarmd: the TUI shows it, reconnects to the new daemon, and panes are live again", async () => {
    await d.kill();
    await until("disconnected shown", (s) => s.includes("disconnected"));
    d = await d.restart();
    c = await d.client();
    await until("reconnected", (s) => s.includes(`pid ${d.proc.pid}`), 30_000);
    const steady = () => Number([...screen().matchAll(/steady (\d+)/g)].pop()?.[1] ?? -1);
    const before = steady();
    await until("fa2's pane moves on", () => steady() > before);
    await c.call("event.publish", { type: "user.after_restart" });
    keys("5");
    await until("events resume after the restart", (s) => s.includes("user.after_restart"));
    keys("1");
  });

  it("q quits and the terminal gets its screen back", async () => {
    keys("q");
    await waitFor("TUI exited", () => tmux("has-session", "-t", "tui").status !== 0 || !screen().includes("1 Agents"));
  });
});
