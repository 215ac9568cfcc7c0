import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { waitUntil } from "../protocol/wait.js";
import { FAKE_AGENT_RULES } from "../test/fixtures/fake-agent-rules.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";

/**
 * Wake latency: a message posted → the trigger written to the agent's PTY (the wake's
 * `inject` step) → the agent received the line (its --log) → the wake acked (the agent's
 * cursor moved; here the bench reads for it as soon as the line is in the log). Side by
 * side, the same fake agent in a tmux pane woken Gas Town's way: `send-keys -l` in 512-byte
 * chunks, 500 ms (+25 ms per chunk), Escape, 600 ms, Enter.
 */

const TRIALS = Number(process.env.BENCH_WAKES ?? 100);
const GT_TRIALS = Number(process.env.BENCH_GT_WAKES ?? 15);
const FAKE_AGENT = path.join(ROOT, "test/fixtures/fake-agent");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lines(file: string): string[] {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

interface Sample {
  inject: number;
  received: number;
  acked: number;
}

async function ours(c: RpcClient, home: string): Promise<Sample[]> {
  const log = path.join(home, "agent.log");
  await c.call("runtime.start", { name: "bw", command: [FAKE_AGENT, "--work-ms", "5", "--log", log], cwd: home, agent: "custom", detector: FAKE_AGENT_RULES });
  await waitUntil("bw idle", async () => (await c.call("runtime.show", { name: "bw" })).state === "idle", { timeoutMs: 15_000, everyMs: 5 });
  const th = (await c.call("thread.create", { title: "bench", participants: [{ agent_id: "lead" }, { agent_id: "bw" }] })).thread.id;
  const out: Sample[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const t0 = Date.now();
    await c.call("thread.post", { id: th, as: "lead", body: `message ${i}` });
    const seen = await waitUntil("the trigger in the log", () => lines(log).find((l) => l.includes("(wake ")) ?? null, {
      timeoutMs: 30_000,
      everyMs: 1,
    });
    const received = Date.now() - t0;
    const id = /\(wake (w-\d+)\)$/.exec(seen)![1]!;
    await c.call("thread.ack", { id: th, as: "bw" });
    const w = await waitUntil(
      "acked",
      async () => {
        const x = await c.call("wake.show", { id });
        return x.outcome ? x : null;
      },
      { timeoutMs: 30_000, everyMs: 1 },
    );
    const inj = w.steps.find((s) => s.name === "inject")!;
    out.push({ inject: Date.parse(inj.at) - t0, received, acked: Date.parse(w.ended_at!) - t0 });
    // the agent opens its log by name for each line: the next trial reads a fresh file
    fs.renameSync(log, `${log}.${i}`);
    await waitUntil("bw idle again", async () => (await c.call("runtime.show", { name: "bw" })).state === "idle", { timeoutMs: 15_000, everyMs: 2 });
  }
  return out;
}

/** Gas Town's nudge (internal/tmux NudgeSession, read from its source): literal keys in 512-byte chunks, fixed waits, Escape, Enter. */
async function gasTown(home: string): Promise<number[]> {
  const sock = `swarm-bench-wake-${process.pid}`;
  const log = path.join(home, "gt.log");
  const t = (...a: string[]) => spawnSync("tmux", ["-L", sock, ...a], { stdio: "ignore" });
  t("new-session", "-d", "-s", "gt", "-x", "120", "-y", "40", `${process.execPath} ${FAKE_AGENT} --work-ms 5 --log ${log}`);
  try {
    await sleep(1000); // the fake agent's start-up: Gas Town would poll for its prompt here
    const out: number[] = [];
    for (let i = 0; i < GT_TRIALS; i++) {
      const text = `1 unread in thread th-1 from lead — call read_messages, then ack_read (nudge ${i})`;
      const t0 = Date.now();
      const chunks = text.match(/[\s\S]{1,512}/g) ?? [];
      for (const [k, chunk] of chunks.entries()) {
        t("send-keys", "-t", "gt", "-l", chunk);
        if (k < chunks.length - 1) await sleep(10);
      }
      await sleep(Math.min(2000, 500 + 25 * chunks.length));
      t("send-keys", "-t", "gt", "Escape");
      await sleep(600);
      t("send-keys", "-t", "gt", "Enter");
      await waitUntil("the nudge in the log", () => lines(log).includes(text), { timeoutMs: 10_000, everyMs: 1 });
      out.push(Date.now() - t0);
    }
    return out.sort((a, b) => a - b);
  } finally {
    t("kill-server");
  }
}

function report(s: Sample[], gt: number[]): string {
  const col = (k: keyof Sample) => s.map((x) => x[k]).sort((a, b) => a - b);
  const row = (what: string, v: number[]) => `| ${what} | **${fmt(percentile(v, 50), 0)}** | ${fmt(percentile(v, 99), 0)} | ${fmt(v[v.length - 1]!, 0)} |`;
  return [
    `## Wake: message posted → trigger injected → acknowledged`,
    ``,
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- wake\`.`,
    ``,
    `The fake agent idle at its prompt, nobody typing, default wake and runtime settings (enter delay 60 ms) except the per-runtime rate limit (raised so ${TRIALS} wakes in a row are not held back). Times from the \`thread.post\` call, in ms.`,
    ``,
    `| step (${TRIALS} wakes) | p50 | p99 | max |`,
    `|---|---|---|---|`,
    row("trigger written to the PTY (the wake's `inject` step)", col("inject")),
    row("line received by the agent (its --log; after the Enter)", col("received")),
    row("wake `acked` (cursor moved)", col("acked")),
    gt.length
      ? row(`Gas Town's nudge into tmux, same agent: start → line received (${GT_TRIALS} nudges)`, gt)
      : `| Gas Town's nudge | tmux not installed | | |`,
    ``,
    `Goal: p50 < 50 ms to injection. Gas Town's nudge does not confirm or acknowledge; its fixed waits (500 ms + Escape + 600 ms) bound it from below.`,
  ].join("\n");
}

export async function run(): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-wake-"));
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  const paths = resolvePaths(env);
  fs.mkdirSync(path.dirname(paths.configFile), { recursive: true });
  fs.writeFileSync(paths.configFile, JSON.stringify({ secrets: { keyring: false }, wake: { rate_limit: { per_minute: 100000, burst: 1000 } } }));
  const daemon: ChildProcess = spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" });
  try {
    const c = await waitUntil("the daemon to answer", () => connectDaemon(paths, { autostart: false }).catch(() => null), { timeoutMs: 15_000, everyMs: 50 });
    const s = await ours(c, home);
    await c.call("runtime.kill", { name: "bw" }).catch(() => {});
    const haveTmux = spawnSync("sh", ["-c", "command -v tmux"]).status === 0;
    return report(s, haveTmux ? await gasTown(home) : []);
  } finally {
    daemon.kill("SIGTERM");
  }
}
