import { killRuntimes } from "./runtimes-cleanup.js";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { pidAlive } from "../protocol/os.js";
import { waitUntil } from "../protocol/wait.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";
import { procStat, throughput, TICKS } from "./runtime.js";

/**
 * Scale of runtimes (issue 15), every row side by side with tmux in the same run:
 * (1) 100 fake agents printing 10 lines/s: RSS of swarmd plus every PTY holder against the
 * tmux server holding the same 100 programs, and daemon CPU; (2) `cat` of 50 MB through our
 * pipeline and through a tmux pane; (3) growth: total RSS and daemon CPU at 10/50/100/200
 * runtimes of a light printer (perl, 10 lines/s), so the cost per runtime shows.
 */

const AGENTS = Number(process.env.BENCH_AGENTS ?? 100);
const SIZES = (process.env.BENCH_SIZES ?? "10,50,100,200").split(",").map(Number);
const SAMPLE_S = Number(process.env.BENCH_SAMPLE_S ?? 10);
const FAKE_AGENT = path.join(ROOT, "test/fixtures/fake-agent");
const PRINTER = ["perl", "-e", '$|=1; for ($i=1;;$i++) { print "steady $i\\n"; select(undef,undef,undef,0.1) }'];
const MB = 2 ** 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  /** swarmd + holders (ours) or the tmux server */
  totalRss: number;
  holderRss: number;
  daemonRss: number;
  daemonCpu: number;
  holderCpu: number;
  /** the holder program (its /proc/PID/exe), ours only */
  holder: string;
}

async function startMany(c: RpcClient, n: number, command: string[], prefix: string): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 10); k++)
      batch.push(c.call("runtime.start", { name: `${prefix}-${k}`, command, cwd: os.tmpdir(), cols: 100, rows: 30 }));
    await Promise.all(batch);
  }
}

/** n runtimes of `command` under our daemon: RSS and CPU of swarmd and of every holder over SAMPLE_S. */
async function ours(c: RpcClient, daemonPid: number, n: number, command: string[], prefix: string): Promise<Sample> {
  await startMany(c, n, command, prefix);
  await sleep(2000); // let them settle into steady printing before the window
  const { runtimes } = await c.call<{ runtimes: { name: string; holder_pid: number | null }[] }>("runtime.list", {});
  const mine = runtimes.filter((r) => r.name.startsWith(`${prefix}-`));
  const holders = mine.map((r) => r.holder_pid!).filter(Boolean);
  const d0 = procStat(daemonPid);
  const h0 = holders.reduce((a, p) => a + procStat(p).cpuTicks, 0);
  await sleep(SAMPLE_S * 1000);
  const d1 = procStat(daemonPid);
  const h1 = holders.map((p) => procStat(p));
  const exe = holders.length ? path.basename(fs.readlinkSync(`/proc/${holders[0]}/exe`)) : "none";
  await Promise.all(mine.map((r) => c.call("runtime.kill", { name: r.name }).catch(() => {})));
  await Promise.all(mine.map((r) => c.call("runtime.remove", { name: r.name }).catch(() => {})));
  const holderRss = h1.reduce((a, b) => a + b.rss, 0);
  return {
    totalRss: d1.rss + holderRss,
    holderRss,
    daemonRss: d1.rss,
    daemonCpu: (d1.cpuTicks - d0.cpuTicks) / TICKS / SAMPLE_S,
    holderCpu: (h1.reduce((a, b) => a + b.cpuTicks, 0) - h0) / TICKS / SAMPLE_S,
    holder: exe === "swarm-holder" ? "native" : exe.startsWith("node") ? "node" : exe,
  };
}

/** The same n programs as windows of one tmux server: its RSS and CPU over SAMPLE_S. */
async function tmux(sock: string, conf: string, n: number, command: string[]): Promise<Sample | null> {
  if (spawnSync("sh", ["-c", "command -v tmux"]).status !== 0) return null;
  const t = (...a: string[]) => spawnSync("tmux", ["-L", sock, "-f", conf, ...a], { encoding: "utf8" });
  const quoted = command.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  t("new-session", "-d", "-s", "scale", "-x", "100", "-y", "30", quoted);
  for (let i = 1; i < n; i++) t("new-window", "-d", "-t", "scale", quoted);
  const pid = Number(t("display-message", "-p", "-t", "scale", "#{pid}").stdout.trim());
  await sleep(2000);
  const s0 = procStat(pid);
  await sleep(SAMPLE_S * 1000);
  const s1 = procStat(pid);
  t("kill-server");
  // the server exits after the command returns: the next run's new-session must not reach the dying one
  await waitUntil("the tmux server to exit", () => !pidAlive(pid), { timeoutMs: 30_000, everyMs: 20 });
  return { totalRss: s1.rss, holderRss: 0, daemonRss: s1.rss, daemonCpu: (s1.cpuTicks - s0.cpuTicks) / TICKS / SAMPLE_S, holderCpu: 0, holder: "tmux" };
}

interface Results {
  agents: { ours: Sample; tmux: Sample | null };
  tp: Awaited<ReturnType<typeof throughput>>;
  growth: { n: number; ours: Sample; tmux: Sample | null }[];
}

function report(r: Results): string {
  const { ours: o, tmux: t } = r.agents;
  const mb = (b: number) => `${fmt(b / MB, 0)} MB`;
  const tpRatio = r.tp.tmux.length ? percentile(r.tp.ours, 50) / percentile(r.tp.tmux, 50) : NaN;
  const lines = [
    `## Scale: 100 runtimes, memory and CPU against tmux, 50 MB throughput, growth`,
    ``,
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- scale\`. PTY holder: **${o.holder}** (\`runtime.holder\`).`,
    ``,
    `${AGENTS} fake agents (\`test/fixtures/fake-agent --print-steady 10\`), sampled over ${SAMPLE_S} s; the agents themselves are not counted on either side.`,
    ``,
    `| holding ${AGENTS} runtimes | total RSS (goal ≤ 400 MB) | per runtime | CPU (cores) |`,
    `|---|---|---|---|`,
    `| swarm: swarmd + ${AGENTS} holders | **${mb(o.totalRss)}** (swarmd ${mb(o.daemonRss)}, holders ${mb(o.holderRss)}) | ${fmt(o.holderRss / AGENTS / 1024, 0)} KB a holder | swarmd **${fmt(o.daemonCpu, 2)}** (goal < 0.25), holders ${fmt(o.holderCpu, 2)} |`,
    t ? `| tmux server | **${mb(t.totalRss)}** | ${fmt(t.totalRss / AGENTS / 1024, 0)} KB | ${fmt(t.daemonCpu, 2)} |` : `| tmux server | not installed | | |`,
    ``,
    `\`cat\` of a 50 MB file through the full pipeline (PTY → holder → daemon → headless terminal → recording) and through a tmux pane, alternating, median of ${r.tp.ours.length}: ours **${fmt(percentile(r.tp.ours, 50))} MB/s**, tmux **${fmt(percentile(r.tp.tmux, 50))} MB/s**, ratio **${fmt(tpRatio, 2)}x** (goal ≥ 1.0), ${r.tp.lost} bytes lost of ${r.tp.expected * r.tp.ours.length} (the file against the runtime's output count, and that against the text its recording holds).`,
    ``,
    `Growth: runtimes of a light printer (\`perl\`, 10 lines/s each) so 200 of them fit the machine; total RSS (swarmd + holders / tmux server) and CPU. These rows run before the throughput runs (after the 100 agents above, in the same swarmd), so no parse of the 150 MB inflates them; swarmd's own base (its heap, the database, the terminal models' code) is in every row: read the cost per runtime from the slope between rows.`,
    ``,
    `| runtimes | swarm total RSS | per runtime | swarmd CPU | holders CPU | tmux RSS | tmux CPU |`,
    `|---|---|---|---|---|---|---|`,
  ];
  for (const g of r.growth) {
    const tm = g.tmux ? `${mb(g.tmux.totalRss)} | ${fmt(g.tmux.daemonCpu, 2)}` : "n/a | n/a";
    lines.push(
      `| ${g.n} | ${mb(g.ours.totalRss)} | ${fmt(g.ours.totalRss / g.n / 1024, 0)} KB | ${fmt(g.ours.daemonCpu, 2)} | ${fmt(g.ours.holderCpu, 2)} | ${tm} |`,
    );
  }
  return lines.join("\n");
}

export async function run(): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-scale-"));
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  const paths = resolvePaths(env);
  // An existing config file is watched as a file; a missing one makes the daemon watch (and
  // rescan) all of SWARM_HOME, which under 200 runtimes' database writes ran out of descriptors.
  fs.writeFileSync(paths.configFile, "{}\n");
  const daemon: ChildProcess = spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" });
  const tmuxSock = `swarm-bench-scale-${process.pid}`;
  const conf = path.join(home, "tmux.conf");
  fs.writeFileSync(conf, "set -g status off\nset -g history-limit 2000\n");
  try {
    const c = await waitUntil("the daemon to answer", () => connectDaemon(paths, { autostart: false }).catch(() => null), { timeoutMs: 15_000, everyMs: 50 });
    const agentCmd = [FAKE_AGENT, "--print-steady", "10"];
    const agents = { ours: await ours(c, daemon.pid!, AGENTS, agentCmd, "fa"), tmux: await tmux(tmuxSock, conf, AGENTS, agentCmd) };
    // growth before the throughput runs: parsing 150 MB leaves swarmd's heap grown, which would read as cost per runtime
    const growth = [];
    for (const n of SIZES) growth.push({ n, ours: await ours(c, daemon.pid!, n, PRINTER, `g${n}`), tmux: await tmux(tmuxSock, conf, n, PRINTER) });
    const tp = await throughput(c, home, tmuxSock, conf);
    spawnSync("tmux", ["-L", tmuxSock, "kill-server"], { stdio: "ignore" });
    c.close();
    return report({ agents, tp, growth });
  } finally {
    spawnSync("tmux", ["-L", tmuxSock, "kill-server"], { stdio: "ignore" });
    await killRuntimes(paths);
    daemon.kill("SIGTERM");
  }
}
