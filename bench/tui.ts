import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";
import { frameCost } from "./tui-frame.js";

/**
 * The TUI with 16 fake agents printing steadily in its grid (200x60 terminal, in tmux):
 * frames actually drawn per second (synchronized-output frames in the pane's byte stream),
 * the TUI's CPU and RSS, the daemon CPU the screen streams add, and key press → frame
 * latency. Side by side: the same 16 programs in a 16-pane tmux window with a client
 * attached (tmux server + client CPU).
 */
const AGENTS = Number(process.env.BENCH_TUI_AGENTS ?? 16);
const RATE = Number(process.env.BENCH_TUI_RATE ?? 10);
const SAMPLE_S = Number(process.env.BENCH_TUI_SAMPLE_S ?? 10);
const KEY_TRIALS = 20;
const FAKE_AGENT = path.join(ROOT, "test/fixtures/fake-agent");
const TICKS = 100;
const BSU = "\x1b[?2026h";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function procStat(pid: number): { ticks: number; rss: number } {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
    return { ticks: Number(f[11]) + Number(f[12]), rss };
  } catch {
    return { ticks: 0, rss: 0 };
  }
}

/** CPU (cores) of the given processes over `s` seconds, and their RSS at the end. */
async function sample(pids: number[], s: number): Promise<{ cores: number; rss: number }> {
  const t0 = pids.map(procStat);
  await sleep(s * 1000);
  const t1 = pids.map(procStat);
  const ticks = t1.reduce((n, x, i) => n + x.ticks - t0[i]!.ticks, 0);
  return { cores: ticks / TICKS / s, rss: t1.reduce((n, x) => n + x.rss, 0) };
}

function tmuxOn(sock: string) {
  const env = { ...process.env };
  delete env.TMUX;
  return (...a: string[]) => spawnSync("tmux", ["-L", sock, "-f", "/dev/null", ...a], { encoding: "utf8", env });
}

async function startAgents(c: RpcClient): Promise<void> {
  for (let i = 0; i < AGENTS; i++) {
    await c.call("runtime.start", { name: `p${i}`, command: [FAKE_AGENT, "--print-steady", String(RATE)], cols: 80, rows: 24 });
  }
}

interface TuiFigures {
  fps: number;
  tui: { cores: number; rss: number };
  daemonIdle: number;
  daemonWithTui: number;
  keyP50: number;
  keyP90: number;
}

/** Key press → frame: toggles the help and waits until the pane shows (or stops showing) it. */
async function keyLatency(t: ReturnType<typeof tmuxOn>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < KEY_TRIALS; i++) {
    const want = i % 2 === 0;
    const t0 = performance.now();
    t("send-keys", "-t", "tui", "?");
    for (;;) {
      const shown = t("capture-pane", "-p", "-t", "tui").stdout.includes("Keys (Esc or ? closes)");
      if (shown === want) break;
      if (performance.now() - t0 > 5000) throw new Error("the TUI did not react to ? within 5 s");
      await sleep(1);
    }
    out.push(performance.now() - t0);
    await sleep(100);
  }
  return out.sort((a, b) => a - b);
}

/** The TUI in tmux; `inkBodies`: as before issue 13's work, Ink as it comes drawing the pane bodies itself. */
async function measureTui(home: string, daemonPid: number, inkBodies: boolean): Promise<TuiFigures> {
  const t = tmuxOn(`swarm-bench-tui-${process.pid}`);
  const bytes = path.join(home, "pane.bytes");
  fs.rmSync(bytes, { force: true });
  const daemonIdle = (await sample([daemonPid], SAMPLE_S)).cores;
  const env = ["-e", `SWARM_HOME=${home}`, ...(inkBodies ? ["-e", "SWARM_TUI_PLAIN_INK=1"] : [])];
  t("new-session", "-d", "-s", "tui", "-x", "200", "-y", "60", ...env, process.execPath, path.join(ROOT, "bin/swarm.js"), "--no-autostart");
  try {
    const deadline = Date.now() + 30_000;
    while (!/p\d+ custom .*steady/s.test(t("capture-pane", "-p", "-t", "tui").stdout)) {
      if (Date.now() > deadline) throw new Error("the TUI did not show the agents' panes within 30 s");
      await sleep(100);
    }
    const tuiPid = Number(t("list-panes", "-t", "tui", "-F", "#{pane_pid}").stdout.trim());
    t("pipe-pane", "-O", "-t", "tui", `cat > ${bytes}`);
    const [tui, daemon] = await Promise.all([sample([tuiPid], SAMPLE_S), sample([daemonPid], SAMPLE_S)]);
    t("pipe-pane", "-t", "tui");
    const frames = fs.existsSync(bytes) ? fs.readFileSync(bytes, "latin1").split(BSU).length - 1 : 0;
    const keys = await keyLatency(t);
    return { fps: frames / SAMPLE_S, tui, daemonIdle, daemonWithTui: daemon.cores, keyP50: percentile(keys, 50), keyP90: percentile(keys, 90) };
  } finally {
    t("kill-server");
  }
}

/** The harness's own delay: the same key press → capture-pane loop against `cat` in a tmux pane of the same size. */
async function harnessDelay(): Promise<number> {
  const t = tmuxOn(`swarm-bench-cal-${process.pid}`);
  t("new-session", "-d", "-s", "cal", "-x", "200", "-y", "60", "cat");
  try {
    await sleep(300);
    const out: number[] = [];
    for (let i = 0; i < KEY_TRIALS; i++) {
      const ch = String.fromCharCode(97 + (i % 26));
      const t0 = performance.now();
      t("send-keys", "-t", "cal", ch);
      while (!t("capture-pane", "-p", "-t", "cal").stdout.trimEnd().endsWith(ch)) {
        if (performance.now() - t0 > 5000) throw new Error("cat did not echo within 5 s");
        await sleep(1);
      }
      out.push(performance.now() - t0);
      t("send-keys", "-t", "cal", "Enter");
      await sleep(50);
    }
    return percentile(
      out.sort((a, b) => a - b),
      50,
    );
  } finally {
    t("kill-server");
  }
}

/** The same programs in one tmux window of 16 panes, with a client attached (in a pty from script(1)). */
async function measureTmux(): Promise<{ cores: number; rss: number } | null> {
  if (spawnSync("sh", ["-c", "command -v tmux && command -v script"]).status !== 0) return null;
  const sock = `swarm-bench-ref-${process.pid}`;
  const t = tmuxOn(sock);
  const prog = `${process.execPath} ${FAKE_AGENT} --print-steady ${RATE}`;
  t("new-session", "-d", "-s", "ref", "-x", "200", "-y", "60", prog);
  for (let i = 1; i < AGENTS; i++) {
    t("split-window", "-t", "ref", prog);
    t("select-layout", "-t", "ref", "tiled");
  }
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color" };
  delete env.TMUX;
  const client = spawn("script", ["-q", "-c", `stty cols 200 rows 60; tmux -L ${sock} -f /dev/null attach -t ref`, "/dev/null"], {
    env,
    stdio: ["pipe", "ignore", "ignore"],
  });
  try {
    await sleep(2000);
    const server = Number(t("display-message", "-p", "-t", "ref", "#{pid}").stdout.trim());
    const clientPid = Number(t("list-clients", "-F", "#{client_pid}").stdout.trim().split("\n")[0]);
    if (!clientPid) return null;
    return await sample([server, clientPid], SAMPLE_S);
  } finally {
    client.kill();
    t("kill-server");
  }
}

export async function run(): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-tui-"));
  // the daemon autostarted below inherits this process's environment
  process.env.SWARM_HOME = home;
  delete process.env.XDG_RUNTIME_DIR;
  delete process.env.SWARM_RUNTIME_DIR;
  const paths = resolvePaths(process.env);
  fs.mkdirSync(path.dirname(paths.configFile), { recursive: true });
  const c = await connectDaemon(paths, { autostart: true, clientName: "bench-tui" });
  const daemonPid = (await c.call("daemon.status")).pid;
  try {
    await startAgents(c);
    await sleep(2000);
    const load0 = os.loadavg()[0]!;
    const ours = await measureTui(home, daemonPid, false);
    const before = await measureTui(home, daemonPid, true);
    const ref = await measureTmux();
    const harness = await harnessDelay();
    const frame = await frameCost(true);
    const inkFrame = await frameCost(false);
    const refRatio = ref ? ours.tui.cores / Math.max(0.001, ref.cores) : NaN;
    const fps = (x: TuiFigures) => fmt(x.fps);
    return [
      "## TUI: 16 live panes",
      "",
      `Machine: ${machine()}. ${AGENTS} fake agents each printing ${RATE} lines/s, terminal 200x60 (tmux), sampled ${SAMPLE_S} s.`,
      "Frames are the synchronized-output frames (`ESC[?2026h`) the TUI wrote to its terminal; the daemon's added CPU is its CPU with the TUI's screen polling minus without.",
      "",
      "| | ours (swarm TUI) | before: Ink draws the pane bodies | tmux, 16 panes + attached client | goal |",
      "| --- | --- | --- | --- | --- |",
      `| frames drawn per second | **${fps(ours)}** | ${fps(before)} | (draws as output comes) | ≥ 20 |`,
      `| CPU (cores) | **${fmt(ours.tui.cores, 2)}** TUI | ${fmt(before.tui.cores, 2)} | ${ref ? fmt(ref.cores, 2) : "n/a"} server + client | ≤ 0.5 |`,
      `| RSS | **${fmt(ours.tui.rss / 2 ** 20, 0)} MB** TUI | ${fmt(before.tui.rss / 2 ** 20, 0)} MB | ${ref ? fmt(ref.rss / 2 ** 20, 0) + " MB" : "n/a"} | ≤ 150 MB |`,
      `| daemon CPU added by the screen streams | ${fmt(ours.daemonWithTui - ours.daemonIdle, 2)} cores (${fmt(ours.daemonIdle, 2)} → ${fmt(ours.daemonWithTui, 2)}) | ${fmt(before.daemonWithTui - before.daemonIdle, 2)} cores | - | |`,
      `| key press → frame (\`?\`), p50 / p90 | **${fmt(ours.keyP50, 0)} ms** / ${fmt(ours.keyP90, 0)} ms | ${fmt(before.keyP50, 0)} ms / ${fmt(before.keyP90, 0)} ms | - | p50 < 50 ms |`,
      `| TUI CPU per frame at 200x60, in process: all 16 panes changed / one changed / a key moved the focus | ${fmt(frame.all)} / ${fmt(frame.one)} / ${fmt(frame.key)} ms | ${fmt(inkFrame.all)} / ${fmt(inkFrame.one)} / ${fmt(inkFrame.key)} ms | - | |`,
      `| bytes to the terminal per frame, all panes changed (in process) | ${fmt(frame.bytesAll / 1024)} KiB | ${fmt(inkFrame.bytesAll / 1024)} KiB | - | |`,
      "",
      `Host 1-minute load average at start: ${fmt(load0)}. Both TUIs ran one after the other against the same daemon and agents, each sampled ${SAMPLE_S} s. CPU ratio TUI / tmux: **${fmt(refRatio, 2)}x**. Key latency is measured from \`tmux send-keys\` until \`capture-pane\` shows the help, so it includes the harness's own delay: the same loop against \`cat\` echoing a key takes ${fmt(harness, 0)} ms (p50) in this run. The "before" column runs today's code with \`SWARM_TUI_PLAIN_INK=1\` (Ink draws the bodies with its own cell grid), so it has the new screen polling too.`,
      "Ink draws the frame (header, tabs, pane borders and titles, needs-you bar, status line) with the pane bodies left blank; a painter (tui/render/pane-painter.ts) writes each pane's cropped screen at its place: all of them inside the synchronized-output frame of every frame Ink writes, and, when only screens changed, just the changed panes in a frame of their own (capped at 30 a second). A new screen re-renders nothing in React or Ink, so its cost is the crop and the bytes of that pane. What is left per key press is Ink's frame of the chrome (React, layout, and the cell grid, which tui/render/fast-output.ts makes cheaper: styled lines kept across frames, no blank cells allocated). The screen poller keeps each pane's phase on a fixed schedule, so 16 agents started together are not fetched in lockstep (which drew one burst per 100 ms: 10-12 frames/s); each pane still refreshes at most 10 times a second in the grid.",
    ].join("\n");
  } finally {
    const { runtimes } = await c.call("runtime.list", {});
    await Promise.all(runtimes.map((r) => c.call("runtime.kill", { name: r.name }).catch(() => {})));
    await c.call("daemon.shutdown", {}).catch(() => {});
    c.close();
  }
}
