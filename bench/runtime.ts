import { killRuntimes } from "./runtimes-cleanup.js";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { waitUntil } from "../protocol/wait.js";
import { castEvents } from "../cli/commands/logs.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";
import { FAKE_AGENT_RULES as FAKE_RULES } from "../test/fixtures/fake-agent-rules.js";

/**
 * Runtimes: (1) `cat` of a 50 MB file through our pipeline (PTY → holder → daemon → headless
 * terminal, recording in the holder) against the same file through a tmux pane, same run;
 * (2) 100 fake agents printing steadily: daemon CPU and RSS (and the holders'); (3) time
 * from the fake agent's screen changing state to the `runtime.state` event.
 */

const FILE_MB = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 100);
const SAMPLE_S = 10;
const LATENCY_TRIALS = 40;
const FAKE_AGENT = path.join(ROOT, "test/fixtures/fake-agent");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeFile(file: string): number {
  const lines = Math.floor((FILE_MB * 1024 * 1024) / 64);
  const fd = fs.openSync(file, "w");
  const chunk: string[] = [];
  for (let i = 0; i < lines; i++) {
    chunk.push(`line ${String(i).padStart(10, "0")} ${"abcdefghijklmnopqrstuvwxyz0123456789-=+abcdefg"}\n`);
    if (chunk.length === 10000) fs.writeSync(fd, chunk.splice(0).join(""));
  }
  fs.writeSync(fd, chunk.join(""));
  fs.closeSync(fd);
  return fs.statSync(file).size + lines; // each "\n" arrives as "\r\n"
}

export function procStat(pid: number): { cpuTicks: number; rss: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return { cpuTicks: Number(f[11]) + Number(f[12]), rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024 };
}
export const TICKS = 100; // USER_HZ on Linux

async function oursThroughput(c: RpcClient, file: string, expected: number, i: number, exits: Set<string>): Promise<{ mbs: number; lost: number }> {
  const name = `cat-${i}`;
  const t0 = performance.now();
  await c.call("runtime.start", { name, command: ["cat", file], cwd: path.dirname(file), cols: 120, rows: 40 });
  // its runtime.exited event, as tmux's wait-for: polling runtime.show would spend the daemon's CPU while it is timed
  await waitUntil(`${name} to exit`, () => exits.has(name), { timeoutMs: 300_000, everyMs: 1 });
  const s = (performance.now() - t0) / 1000;
  const r = await c.call<{ state: string; bytes_out: number }>("runtime.show", { name });
  // what the recording holds, too: every output event's text, over the files rotation kept
  const { recordings } = await c.call<{ recordings: string[] }>("runtime.show", { name });
  const recorded = recordings.reduce(
    (n, f) => n + castEvents(fs.readFileSync(f, "utf8")).reduce((m, [, kind, text]) => m + (kind === "o" ? Buffer.byteLength(text) : 0), 0),
    0,
  );
  await c.call("runtime.remove", { name });
  return { mbs: expected / 1e6 / s, lost: Math.abs(expected - r.bytes_out) + Math.abs(r.bytes_out - recorded) };
}

function tmuxThroughput(sock: string, conf: string, file: string, expected: number): number {
  const t = (...a: string[]) => spawnSync("tmux", ["-L", sock, "-f", conf, ...a], { stdio: "ignore" });
  const t0 = performance.now();
  t("new-window", "-d", "-t", "warm", `cat ${file}; tmux -L ${sock} wait-for -S done`);
  t("wait-for", "done");
  return expected / 1e6 / ((performance.now() - t0) / 1000);
}

export interface Throughput {
  ours: number[];
  tmux: number[];
  lost: number;
  expected: number;
}

/** `cat` of the big file through our pipeline and through a tmux pane, alternating so drift on a shared machine hits both. */
export async function throughput(c: RpcClient, home: string, tmuxSock: string, conf: string): Promise<Throughput> {
  const file = path.join(home, "big.txt");
  const expected = makeFile(file);
  const haveTmux = spawnSync("sh", ["-c", "command -v tmux"]).status === 0;
  if (haveTmux) {
    const warm = spawnSync("tmux", ["-L", tmuxSock, "-f", conf, "new-session", "-d", "-s", "warm", "-x", "120", "-y", "40", "sleep 3600"], {
      encoding: "utf8",
    });
    // without its session every timed window would fail at once and read as an absurd rate
    if (warm.status !== 0) throw new Error(`tmux new-session for the throughput runs failed: ${warm.stderr.trim()}`);
  }
  const ours: number[] = [];
  const tmux: number[] = [];
  let lost = 0;
  const exits = new Set<string>();
  c.on("event.notify", (p) => void (p.event.type === "runtime.exited" && p.event.subject && exits.add(p.event.subject)));
  await c.call("event.subscribe", { types: ["runtime.exited"] });
  for (let i = 0; i < RUNS; i++) {
    const o = await oursThroughput(c, file, expected, i, exits);
    ours.push(o.mbs);
    lost += o.lost;
    if (haveTmux) tmux.push(tmuxThroughput(tmuxSock, conf, file, expected));
  }
  ours.sort((a, b) => a - b);
  tmux.sort((a, b) => a - b);
  return { ours, tmux, lost, expected };
}

interface Load {
  holders: number;
  daemonCpu: number;
  daemonRss: number;
  holderCpu: number;
  holderRss: number;
}

/** AGENTS fake agents printing steadily (10 lines/s each): daemon and holder CPU and RSS over SAMPLE_S. */
async function agentsLoad(c: RpcClient, home: string, daemonPid: number): Promise<Load> {
  for (let i = 0; i < AGENTS; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) =>
      c.call("runtime.start", {
        name: `fa-${i + k}`,
        command: [FAKE_AGENT, "--print-steady", "10"],
        cwd: home,
        cols: 100,
        rows: 30,
        agent: "custom",
        detector: FAKE_RULES,
      }),
    );
    await Promise.all(batch);
  }
  await sleep(2000); // let them settle into steady printing before the measurement window
  const { runtimes } = await c.call<{ runtimes: { name: string; holder_pid: number | null }[] }>("runtime.list", {});
  const holders = runtimes.filter((r) => r.name.startsWith("fa-") && r.holder_pid).map((r) => r.holder_pid!);
  const d0 = procStat(daemonPid);
  const h0 = holders.map((p) => procStat(p).cpuTicks).reduce((a, b) => a + b, 0);
  await sleep(SAMPLE_S * 1000); // the measurement window
  const d1 = procStat(daemonPid);
  const h1 = holders.map((p) => procStat(p));
  for (const r of runtimes) if (r.name.startsWith("fa-")) await c.call("runtime.kill", { name: r.name });
  return {
    holders: holders.length,
    daemonCpu: (d1.cpuTicks - d0.cpuTicks) / TICKS / SAMPLE_S,
    daemonRss: d1.rss,
    holderCpu: (h1.reduce((a, b) => a + b.cpuTicks, 0) - h0) / TICKS / SAMPLE_S,
    holderRss: h1.reduce((a, b) => a + b.rss, 0) / holders.length,
  };
}

/**
 * State-change latency: input makes the fake agent draw its spinner at once; time until the
 * daemon's runtime.state "working" event reaches a subscribed client. Sorted, in ms.
 */
async function stateLatency(c: RpcClient, home: string): Promise<number[]> {
  await c.call("runtime.start", { name: "lat", command: [FAKE_AGENT, "--work-ms", "150"], cwd: home, agent: "custom", detector: FAKE_RULES });
  const seen: { state: string; at: number }[] = [];
  c.on("event.notify", (p) => {
    const ev = p.event;
    if (ev.type === "runtime.state" && ev.subject === "lat") seen.push({ state: String(ev.data.state), at: performance.now() });
  });
  await c.call("event.subscribe", { types: ["runtime.state"] });
  await waitUntil("lat idle", async () => (await c.call<{ state: string }>("runtime.show", { name: "lat" })).state === "idle", {
    timeoutMs: 10_000,
    everyMs: 5,
  });
  const lat: number[] = [];
  for (let i = 0; i < LATENCY_TRIALS; i++) {
    seen.length = 0;
    const t0 = performance.now();
    await c.call("runtime.input", { name: "lat", data: `job ${i}\r` });
    const w = await waitUntil("working event", () => seen.find((s) => s.state === "working"), { timeoutMs: 5000, everyMs: 1 });
    lat.push(w.at - t0);
    await waitUntil("idle event", () => seen.find((s) => s.state === "idle"), { timeoutMs: 5000, everyMs: 1 });
  }
  return lat.sort((a, b) => a - b);
}

function report(t: Throughput, l: Load, lat: number[]): string {
  const { ours, tmux } = t;
  const ratio = tmux.length ? percentile(ours, 50) / percentile(tmux, 50) : NaN;
  return [
    `## Runtimes: PTY throughput, 100 agents, state latency`,
    ``,
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- runtime\`.`,
    ``,
    `\`cat\` of a ${FILE_MB} MB file (64-byte lines), 120x40, median of ${RUNS} runs each, alternating. Ours: PTY → holder (records asciicast) → daemon → @xterm/headless, timed from \`runtime.start\` until the runtime is reported exited (drained); tmux: \`new-window\` until \`wait-for\` fires.`,
    ``,
    `| pipeline | MB/s (min / median / max) | bytes lost |`,
    `|---|---|---|`,
    `| swarm runtime | ${fmt(ours[0]!)} / **${fmt(percentile(ours, 50))}** / ${fmt(ours[ours.length - 1]!)} | ${t.lost} of ${t.expected * RUNS} |`,
    tmux.length
      ? `| tmux pane | ${fmt(tmux[0]!)} / **${fmt(percentile(tmux, 50))}** / ${fmt(tmux[tmux.length - 1]!)} | (not counted) |`
      : `| tmux pane | not installed | |`,
    ``,
    `Ratio ours / tmux (goal ≥ 1): **${fmt(ratio, 2)}x**.`,
    ``,
    `${l.holders} fake agents printing 10 lines/s each, sampled over ${SAMPLE_S} s:`,
    ``,
    `| process | CPU (cores) | RSS |`,
    `|---|---|---|`,
    `| swarmd (goal < 1 core, < 300 MB) | **${fmt(l.daemonCpu, 2)}** | **${fmt(l.daemonRss / 2 ** 20, 0)} MB** |`,
    `| holders, all ${l.holders} together | ${fmt(l.holderCpu, 2)} | ${fmt(l.holderRss / 2 ** 20, 0)} MB each |`,
    ``,
    `State-change latency, ${LATENCY_TRIALS} trials: keystrokes sent → fake agent draws its spinner → \`runtime.state\` "working" event received by a subscribed client (includes the input path; debounce ${30} ms). p50 **${fmt(percentile(lat, 50), 0)} ms**, p90 ${fmt(percentile(lat, 90), 0)} ms, max ${fmt(lat[lat.length - 1]!, 0)} ms (goal p50 < 100 ms).`,
  ].join("\n");
}

export async function run(): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-rt-"));
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  const paths = resolvePaths(env);
  const daemon: ChildProcess = spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" });
  const tmuxSock = `swarm-bench-${process.pid}`;
  const conf = path.join(home, "tmux.conf");
  fs.writeFileSync(conf, "set -g status off\n");
  try {
    const c = await waitUntil("the daemon to answer", () => connectDaemon(paths, { autostart: false }).catch(() => null), { timeoutMs: 15_000, everyMs: 50 });
    const t = await throughput(c, home, tmuxSock, conf);
    const l = await agentsLoad(c, home, daemon.pid!);
    const lat = await stateLatency(c, home);
    return report(t, l, lat);
  } finally {
    spawnSync("tmux", ["-L", tmuxSock, "kill-server"], { stdio: "ignore" });
    // Stop holders we started: runtimes outlive the daemon by design.
    await killRuntimes(paths);
    daemon.kill("SIGTERM");
  }
}
