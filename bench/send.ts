import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { waitUntil } from "../protocol/wait.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";
import { FAKE_AGENT_RULES as FAKE_RULES } from "../test/fixtures/fake-agent-rules.js";
import { REAL_TRIALS, realAgentRows } from "./send-real.js";

/**
 * `runtime send` latency per agent kind, until the delivery is confirmed (the result), beside
 * tmux `send-keys` to the same program in a tmux pane, timed until `capture-pane` shows the
 * program took the line ("received: …" for the fake agent, the command's output for the
 * shell). Ours includes the readiness and draft checks and the enter delay (60 ms).
 */
const FAKE_AGENT = path.join(ROOT, "test/fixtures/fake-agent");
const TRIALS = 40;

interface Kind {
  label: string;
  command: string[];
  detector?: typeof FAKE_RULES;
  /** the text for trial i, and what on screen shows the program took it */
  text(i: number): string;
  took(i: number): string;
  ready: RegExp;
}

const KINDS: Kind[] = [
  {
    label: "fake agent, input line read (custom + prompt rule)",
    command: [FAKE_AGENT, "--work-ms", "0"],
    detector: FAKE_RULES,
    text: (i) => `bench message ${i}`,
    took: (i) => `received: bench message ${i}`,
    ready: /^> ?$/m,
  },
  {
    label: "fake agent, no rules (echo, then a new row)",
    command: [FAKE_AGENT, "--work-ms", "0"],
    text: (i) => `bench message ${i}`,
    took: (i) => `received: bench message ${i}`,
    ready: /^> ?$/m,
  },
  {
    label: "sh (typed, no bracketed paste)",
    command: ["env", "PS1=$ ", "sh"],
    text: (i) => `echo took-$((${i}+1000))`,
    took: (i) => `took-${i + 1000}`,
    ready: /^[$#] ?$/m,
  },
];

async function ours(c: RpcClient, home: string, k: Kind, n: number): Promise<number[]> {
  const name = `send-${n}`;
  await c.call("runtime.start", { name, command: k.command, cwd: home, agent: "custom", ...(k.detector ? { detector: k.detector } : {}) });
  let last = "";
  await waitUntil("the prompt", async () => k.ready.test((last = (await c.call<{ lines: string[] }>("runtime.screen", { name })).lines.join("\n"))), {
    timeoutMs: 15_000,
  }).catch((err: Error) => {
    throw new Error(`${err.message}; the screen of ${k.label}:\n${last}`);
  });
  const ms: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const t0 = performance.now();
    const r = await c.call<{ status: string }>("runtime.send", { name, text: k.text(i) });
    if (r.status === "delivered") ms.push(performance.now() - t0);
  }
  await c.call("runtime.kill", { name });
  return ms.sort((a, b) => a - b);
}

function tmux(sock: string, conf: string, k: Kind, n: number): number[] {
  const t = (...a: string[]) => spawnSync("tmux", ["-L", sock, "-f", conf, ...a], { encoding: "utf8", env: { ...process.env, PS1: "$ " } });
  const target = `b${n}`;
  t("new-session", "-d", "-s", target, "-x", "120", "-y", "40", k.command.map((a) => `'${a}'`).join(" "));
  const screen = () => t("capture-pane", "-p", "-t", target).stdout ?? "";
  const deadline = Date.now() + 15_000;
  while (!k.ready.test(screen()) && Date.now() < deadline) spawnSync("sleep", ["0.02"]);
  const ms: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const t0 = performance.now();
    t("send-keys", "-t", target, "-l", k.text(i));
    t("send-keys", "-t", target, "Enter");
    const until = Date.now() + 5000;
    while (!screen().includes(k.took(i)) && Date.now() < until) continue;
    if (Date.now() < until) ms.push(performance.now() - t0);
  }
  t("kill-session", "-t", target);
  return ms.sort((a, b) => a - b);
}

export async function run(): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-send-"));
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  const paths = resolvePaths(env);
  const daemon: ChildProcess = spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" });
  const sock = `swarm-bench-send-${process.pid}`;
  const conf = path.join(home, "tmux.conf");
  fs.writeFileSync(conf, "set -g status off\n");
  const haveTmux = spawnSync("sh", ["-c", "command -v tmux"]).status === 0;
  const rows: string[] = [];
  try {
    const c = await waitUntil("the daemon to answer", () => connectDaemon(paths, { autostart: false }).catch(() => null), { timeoutMs: 15_000, everyMs: 50 });
    for (const [n, k] of KINDS.entries()) {
      const o = await ours(c, home, k, n);
      const tm = haveTmux ? tmux(sock, conf, k, n) : [];
      const cell = (a: number[]) => (a.length ? `**${fmt(percentile(a, 50), 0)}** / ${fmt(percentile(a, 90), 0)} ms (${a.length}/${TRIALS})` : "n/a");
      rows.push(`| ${k.label} | ${cell(o)} | ${haveTmux ? cell(tm) : "tmux not installed"} |`);
    }
    c.close();
    rows.push(...(await realAgentRows()));
  } finally {
    spawnSync("tmux", ["-L", sock, "kill-server"], { stdio: "ignore" });
    daemon.kill("SIGTERM");
  }
  return [
    `## runtime send latency`,
    ``,
    `Machine: ${machine()}. ${TRIALS} deliveries per kind, one after another. Ours: \`runtime.send\` call until its result says delivered (readiness and draft checks, bracketed paste or typing, the 60 ms enter delay, confirmation on the screen model). tmux: \`send-keys -l TEXT\` + \`send-keys Enter\` until \`capture-pane\` shows the program took it (no checks, no delay). p50 / p90 (confirmed / sent).`,
    ``,
    `| agent kind | ours: runtime send | tmux send-keys |`,
    `|---|---|---|`,
    ...rows,
    ``,
    `Real agents: ${REAL_TRIALS} deliveries each of \`STUB:SAY <text>\` through the offline test rig (test/helpers/real-agents.ts: a loopback-only network namespace, the scripted model stub, swarmd inside the namespace; bench/send-real.ts), each turn let finish before the next. Ours: the \`runtime.send\` result (it includes the agent's enter delay: Codex 200 ms, Gemini 500 ms), then from the same start until the model stub logged the prompt. tmux: the same CLI in a pane of a tmux server inside the namespace, \`send-keys -l\` + \`send-keys Enter\`, with no pause and with 500 ms between them (the pause other tools add for Codex and Gemini), until the stub logged the prompt (10 s cap; n/a: the Enter was dropped and the text stayed in the input box); the ratio compares the medians until the model got it.`,
  ].join("\n");
}
