import { describe, expect, it } from "vitest";
import { createStore } from "../../tui/state/store.js";
import { approval, DIFF, env, event, message, runtime, seed, thread, ticket } from "./fixtures.js";
import { renderApp, type Rendered } from "./harness.js";
import { waitFor } from "../helpers/daemon.js";
import { nameColumn } from "../../tui/views/agents.js";

const screen = (text: string) => ({ ansi: text, cols: 40, rows: 10, at: 1 });

function agentsStore() {
  const store = createStore();
  seed(store, {
    runtimes: [runtime("a1", { environment: "e1" }), runtime("a2", { state: "asking_approval", why: "Allow? prompt" })],
    tickets: [ticket("t-1", { state: "running", lease_owner: "a1" })],
    threads: [thread("th-1")],
  });
  store.dispatch({ type: "data/screen", name: "a1", screen: screen("\x1b[32mhello from a1\x1b[0m\r\n> ") });
  store.dispatch({ type: "data/screen", name: "a2", screen: screen("Allow? (y/n)") });
  return store;
}

function rows(r: Rendered): string[] {
  return r.frame().split("\n");
}

const views: Rendered[] = [];
const open = (...args: Parameters<typeof renderApp>) => {
  const r = renderApp(...args);
  views.push(r);
  return r;
};

describe("TUI views rendered (unstyled frames, waiting on frames)", () => {
  it("agents grid: each pane with name, kind, state badge, why, env, ticket, unread and its screen; styles kept", async () => {
    const r = open(agentsStore(), { cols: 160, rows: 30 });
    const f = await r.waitFrame("both panes", (f) => f.includes("hello from a1") && f.includes("Allow? (y/n)"));
    expect(f).toContain("a1 custom [working] output within 1000 ms · env e1 · ticket t-1 · ✉ 2");
    expect(f).toContain("a2 custom [asking_approval]");
    expect(f).toMatch(/NEEDS YOU 1 +a2 asking_approval/);
    expect(r.styled()).toContain("\x1b[32mhello from a1");
    // the screen poller is told exactly the panes on view
    expect([...r.visible[r.visible.length - 1]!.keys()]).toEqual(["a1", "a2"]);
    r.unmount();
  });

  it("Enter zooms the focused pane to the whole body, needs-you bar still shown; Esc goes back", async () => {
    const r = open(agentsStore(), { cols: 100, rows: 30 });
    await r.waitFrame("grid", (f) => f.includes("a2 custom"));
    r.press("right", "enter");
    const f = await r.waitFrame("a2 zoomed", (f) => !f.includes("a1 custom") && f.includes("a2 custom"));
    expect(f).toContain("NEEDS YOU 1");
    expect([...r.visible[r.visible.length - 1]!.keys()]).toEqual(["a2"]);
    r.press("escape");
    await r.waitFrame("grid again", (f) => f.includes("a1 custom") && f.includes("a2 custom"));
    r.unmount();
  });

  it("list layout (v) shows a row per agent and the focused pane; ? shows this view's keys", async () => {
    const r = open(agentsStore(), { cols: 100, rows: 30 });
    await r.waitFrame("grid", (f) => f.includes("a2 custom"));
    r.press("v");
    const f = await r.waitFrame("list", (f) => /a1 {2,}custom +\[working\]/.test(f));
    expect(f).toMatch(/a2 +custom +\[asking_approval\]/);
    r.press("?");
    const h = await r.waitFrame("help", (f) => f.includes("Keys (Esc or ? closes)"));
    expect(h).toContain("zoom the focused agent to full size");
    expect(h).toContain("quit the TUI");
    expect(h).not.toContain("approve the selected approval");
    // the help covers the panes: none is polled until it closes
    await waitFor("no pane polled under the help", () => r.visible[r.visible.length - 1]!.size === 0, 5000, 5);
    r.unmount();
  });

  it("the list's name column grows with the longest name (up to a third of the width), never below 16", () => {
    const long = "reviewer-for-the-payments-service"; // 33 characters
    expect(nameColumn(["a1", long], 200)).toBe(33);
    expect(nameColumn(["a1", long], 90)).toBe(30);
    expect(nameColumn(["a1"], 200)).toBe(16);
  });

  it("at 80x24 the help pages: it says how many keys are below, and j/PgDn scroll to them", async () => {
    const r = open(agentsStore(), { cols: 80, rows: 24 });
    await r.waitFrame("grid", (f) => f.includes("a2 custom"));
    r.press("?");
    const first = await r.waitFrame("help, first page", (f) => f.includes("Keys (Esc or ? closes)") && /↓ \d+ more/.test(f));
    expect(first).not.toContain("above");
    expect(first).toContain("move the focus between panes");
    r.press("j");
    await r.waitFrame("help, one row down", (f) => f.includes("↑ 1 above"));
    r.press("pagedown");
    const last = await r.waitFrame("help, last page", (f) => f.includes("above ·") && !f.includes("more ·"));
    expect(last).toContain("quit the TUI");
    r.unmount();
  });

  it("tickets board: columns by state, waiting dependencies marked; Enter shows details with blocked-by and blocks", async () => {
    const store = createStore();
    seed(store, { tickets: [ticket("t-1", { title: "base" }), ticket("t-2", { title: "on top", state: "backlog", depends_on: ["t-1"], labels: ["ui"] })] });
    store.dispatch({ type: "ui/view", view: "tickets" });
    const r = open(store, { cols: 120, rows: 30 });
    const f = await r.waitFrame("board", (f) => f.includes("backlog 1") && f.includes("ready 1"));
    expect(f).toContain("t-2 on top ⧗t-1");
    r.press("enter");
    const d = await r.waitFrame("details", (f) => f.includes("blocked by: t-1 (ready)"));
    expect(d).toContain("labels: ui");
    r.press("right", "enter", "enter");
    await r.waitFrame("t-1 details", (f) => f.includes("blocks: t-2 (backlog)"));
    // why a ready ticket is not moving, as the detail loader reads it from coordinator.why
    store.dispatch({ type: "data/loaded", patch: { waiting: { ticket: "t-1", text: "no agent kind configured for kind command" } } });
    await r.waitFrame("t-1 waiting", (f) => f.includes("waiting: no agent kind configured for kind command"));
    r.unmount();
  });

  it("approvals: queue with expiry, diff viewer with file list (untracked marked) and coloured +/-", async () => {
    const store = createStore();
    seed(store, { approvals: [approval("ap-1")] });
    store.dispatch({ type: "data/loaded", patch: { approval: approval("ap-1") } });
    store.dispatch({ type: "ui/view", view: "approvals" });
    const r = open(store, { cols: 120, rows: 30 });
    const f = await r.waitFrame("queue", (f) => f.includes("ap-1"));
    expect(f).toMatch(/pending +ap-1 +t-1 +2 file\(s\) expires (in|\d)/);
    r.press("enter");
    const d = await r.waitFrame("diff", (f) => f.includes("ap-1 diff · 2 file(s)"));
    expect(d).toContain("M src/app.ts +1 -1");
    expect(d).toContain("A NOTES.md +1 -0 (untracked)");
    expect(d).toContain("+const b = 3;");
    expect(r.styled()).toMatch(/\x1b\[32m\+const b = 3;/);
    expect(r.styled()).toMatch(/\x1b\[31m-const b = 2;/);
    r.press("]");
    await r.waitFrame("second file", (f) => f.includes(`line 9/${DIFF.split("\n").length - 1}`));
    r.unmount();
  });

  it("threads: unread and status with escalations marked; messages with authors and kinds", async () => {
    const store = createStore();
    const esc = { kind: "no_progress" as const, reason: "stuck", by: "system", at: "t", seq: 2 };
    seed(store, { threads: [thread("th-1", { status: "blocked", escalation: esc }), thread("th-2", { unread: 0 })] });
    store.dispatch({
      type: "data/loaded",
      patch: { messages: { thread: "th-1", list: [message(1, "found a bug", { kind: "finding" }), message(2, "fixed", { author: "operator" })] } },
    });
    store.dispatch({ type: "ui/view", view: "threads" });
    const r = open(store, { cols: 120, rows: 30 });
    const f = await r.waitFrame("list", (f) => f.includes("th-1") && f.includes("th-2"));
    expect(f).toMatch(/th-1 +blocked +ESCALATED +✉ 2/);
    r.press("enter");
    const d = await r.waitFrame("messages", (f) => f.includes("#2 operator · message"));
    expect(d).toContain("#1 a1 · finding");
    expect(d).toContain("found a bug");
    r.unmount();
  });

  it("events: live log; / filters by type and text", async () => {
    const store = createStore();
    seed(store);
    for (const [i, t] of ["ticket.created", "runtime.state", "ticket.done"].entries()) store.dispatch({ type: "data/event", event: event(i + 1, t, `s${i}`) });
    store.dispatch({ type: "ui/view", view: "events" });
    const r = open(store, { cols: 100, rows: 20 });
    await r.waitFrame("events", (f) => f.includes("3 event(s)") && f.includes("runtime.state s1"));
    r.press("/", "t", "y", "p", "e", ":", "t", "i", "c", "k", "e", "t", "enter");
    const f = await r.waitFrame("filtered", (f) => f.includes('2 event(s) matching "type:ticket"'));
    expect(f).not.toContain("runtime.state");
    r.unmount();
  });

  it("environments: provider, state, resources, network and the selected one's disk use and checkpoints", async () => {
    const store = createStore();
    seed(store, {
      envs: [env("e1"), env("e2", { state: "stopped", capabilities: { net: "none", proxy_allow: [], resources_enforced: false } })],
      resources: { host_cpus: 8, host_memory_mib: 16000, cpu_ratio: 2, memory_ratio: 1.5, used_cpus: 2, used_memory_mib: 2048 },
      checkpoints: { env: "e1", list: [{ name: "cp1", created_at: "2026-12-03T12:00:00.000Z", provider: "worktree", base: "HEAD" }] },
      disk: { env: "e1", bytes: 5 * 1048576 + 104858 },
    });
    store.dispatch({ type: "ui/view", view: "envs" });
    const r = open(store, { cols: 100, rows: 20 });
    const f = await r.waitFrame("envs", (f) => f.includes("e2"));
    expect(f).toContain("host 8 CPU 16000 MiB · reserved 2 CPU 2048 MiB");
    expect(f).toMatch(/e1 +worktree +running +2 +2048 +proxy +swarm\/e1/);
    expect(f).toMatch(/e2 .*stopped .*none/);
    expect(f).toContain("e1 · disk 5.1 MiB · checkpoints: cp1 (2026-12-03T12:00:00)");
    r.unmount();
  });

  it("coordinator: caps, breakers and leased tickets (exact frame)", async () => {
    const store = createStore();
    seed(store, {
      coordinator: {
        leased: 1,
        max_concurrent: 4,
        by_kind: { claude: 1 },
        per_kind: { claude: 2 },
        breakers: [{ agent_kind: "codex", state: "open", consecutive_failures: 3, open_until: null }],
        // fields coordinator.status gained (issue 14): the kinds are shown, the rest are not
        agent_kinds: ["claude"],
        default_agent_kind: "claude",
        repo: "/src/app",
        queue: [],
        awaiting_approval: [],
        host: { ok: true, reason: null },
        running_locally: [],
        command: null,
      },
      tickets: [ticket("t-9", { state: "running", lease_owner: "w1", title: "work" })],
    });
    store.dispatch({ type: "ui/view", view: "coordinator" });
    const r = open(store, { cols: 90, rows: 14 });
    const f = await r.waitFrame("coordinator", (f) => f.includes("leased tickets (1)"));
    expect(rows(r).slice(2, 10).join("\n")).toBe(
      [
        "leased 1/4 · host ok · agents claude (default claude)",
        "caps by agent kind",
        "  claude       1/2",
        "breakers",
        "  codex        open failures 3",
        "leased tickets (1)",
        "  t-9      running  w1  work",
        "",
      ].join("\n"),
    );
    expect(f.split("\n")[0]).toMatch(/^swarm ● connected swarmd 0\.1\.0 pid 4242 +0 agents · \? help · q quit$/);
    r.unmount();
  });

  it("the frame never exceeds the terminal: 80x24, 200x60, and after a resize", async () => {
    const store = agentsStore();
    const many = Array.from({ length: 16 }, (_, i) => runtime(`w${i}`));
    store.dispatch({ type: "data/loaded", patch: { runtimes: many } });
    for (const [cols, rowsN] of [
      [80, 24],
      [200, 60],
    ] as const) {
      const r = open(store, { cols, rows: rowsN });
      const f = await r.waitFrame(`${cols}x${rowsN}`, (f) => f.includes("w0"));
      expect(f.split("\n").length).toBeLessThanOrEqual(rowsN - 1);
      for (const line of f.split("\n")) expect(line.length).toBeLessThanOrEqual(cols);
      if (cols === 200) {
        r.resize(80, 24);
        const g = await r.waitFrame("resized to 80x24", (f) => f.split("\n").every((l) => l.length <= 80) && f.includes("w0"));
        expect(g.split("\n").length).toBeLessThanOrEqual(23);
      }
      r.unmount();
    }
  });
});
