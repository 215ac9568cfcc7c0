import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { waitUntil } from "../protocol/wait.js";
import {
  AGENTS_BIN,
  AGENTS_MANIFEST,
  READY,
  agentBin,
  realAgentsUnavailable,
  startRealAgentRig,
  type RealAgentKind,
  type RealAgentRig,
} from "../test/helpers/real-agents.js";
import { fmt, percentile } from "./lib.js";

/**
 * `runtime send` to the real agent CLIs, offline: the test rig (test/helpers/real-agents.ts) —
 * a loopback-only network namespace, the scripted model stub, a swarmd inside the namespace —
 * so the CLIs reach nothing but the stub. Each delivery is `STUB:SAY <unique text>`; after it
 * the turn is let finish (untimed) before the next. Beside it, the same CLI in a tmux pane on
 * a tmux server started inside the same namespace, given the text with `send-keys -l` +
 * `send-keys Enter`, timed until the model stub got the prompt (the program took it).
 */
export const REAL_TRIALS = 10;
const KINDS: RealAgentKind[] = ["claude", "codex", "gemini"];
/** tmux as it is usually driven (Enter right after the text), and with the pause peers add for Codex and Gemini */
const PAUSES = [0, 500];
const NAMES: Record<RealAgentKind, string> = { claude: "Claude Code", codex: "Codex", gemini: "Gemini CLI" };

interface Timings {
  /** runtime.send call until its result said delivered (or queued) */
  confirmed: number[];
  /** from the start of the send until the model stub logged the prompt */
  reached: number[];
}

/** When the stub logged the request carrying `text` (epoch ms), waiting up to `ms`. */
async function reachedAt(rig: RealAgentRig, text: string, ms: number): Promise<number | null> {
  const r = await waitUntil(`the stub to log ${text}`, () => rig.stub.requests().find((q) => q.act?.text === text) ?? null, {
    timeoutMs: ms,
    everyMs: 20,
  }).catch(() => null);
  return r ? Date.parse((r as { at?: string }).at ?? "") : null;
}

async function ours(rig: RealAgentRig, kind: RealAgentKind): Promise<Timings> {
  const c = rig.client;
  const name = `bench-${kind}`;
  const screen = async () => (await c.call<{ lines: string[]; state: string }>("runtime.screen", { name })).lines.join("\n");
  const state = async () => (await c.call<{ state: string }>("runtime.show", { name })).state;
  await c.call("runtime.start", { name, agent: kind, cwd: rig.workdir, cols: 100, rows: 30 });
  await waitUntil(`${name} at its prompt, idle`, async () => READY[kind](await screen()) && (await state()) === "idle", { timeoutMs: 90_000, everyMs: 100 });
  const t: Timings = { confirmed: [], reached: [] };
  for (let i = 0; i < REAL_TRIALS; i++) {
    const text = `bench-ours-${kind}-${i}`;
    const wall = Date.now();
    const t0 = performance.now();
    const r = await c.call<{ status: string }>("runtime.send", { name, text: `STUB:SAY ${text}`, confirm_timeout_ms: 20_000 });
    if (r.status === "delivered" || r.status === "queued") t.confirmed.push(performance.now() - t0);
    const at = await reachedAt(rig, text, 30_000);
    if (at !== null) t.reached.push(at - wall);
    // the turn ends before the next delivery: the answer on screen (the prompt's echo, then it), idle again
    await waitUntil(`${name} done with the turn`, async () => (await screen()).split(text).length > 2 && (await state()) === "idle", {
      timeoutMs: 60_000,
      everyMs: 100,
    }).catch(() => null);
  }
  await c.call("runtime.kill", { name });
  return t;
}

/** The same CLI driven by tmux: `send-keys -l`, `pauseMs`, `send-keys Enter`. */
function peer(rig: RealAgentRig, kind: RealAgentKind, pauseMs: number): Timings | string {
  const sock = path.join(rig.root, `tmux-${kind}-${pauseMs}.sock`);
  // the marker finds what the agent left detached (codex's app-server) once tmux is gone
  const env = { ...process.env, ...rig.agentEnv, PATH: `${AGENTS_BIN}:${process.env.PATH}`, NO_COLOR: "1", SWARM_BENCH_PEER: sock };
  const tmux = (...a: string[]) => spawnSync("tmux", ["-S", sock, ...a], { encoding: "utf8", env });
  // the server (and so the agent) is started inside the namespace; later clients only talk to its socket
  const [ns0, ...nsRest] = rig.ns.prefix;
  const started = spawnSync(
    ns0!,
    [...nsRest, "tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", "p", "-x", "100", "-y", "30", "-c", rig.workdir, agentBin(kind)!],
    {
      encoding: "utf8",
      env,
    },
  );
  if (started.status !== 0) return `tmux would not start inside the namespace: ${started.stderr.trim()}`;
  // rows trimmed as swarm's screens are (Claude Code ends its prompt row with a no-break space)
  const screen = () => (tmux("capture-pane", "-p", "-t", "p").stdout ?? "").replace(/\s+$/gm, "");
  const spin = (ms: number, pred: () => boolean) => {
    const until = Date.now() + ms;
    while (!pred() && Date.now() < until) spawnSync("sleep", ["0.05"]);
    return pred();
  };
  try {
    if (!spin(90_000, () => READY[kind](screen())))
      return `${kind} did not reach its prompt in tmux (its last rows: ${JSON.stringify(screen().split("\n").slice(-3).join(" / "))})`;
    const t: Timings = { confirmed: [], reached: [] };
    for (let i = 0; i < REAL_TRIALS; i++) {
      const text = `bench-tmux${pauseMs}-${kind}-${i}`;
      const wall = Date.now();
      tmux("send-keys", "-t", "p", "-l", `STUB:SAY ${text}`);
      if (pauseMs) spawnSync("sleep", [String(pauseMs / 1000)]);
      tmux("send-keys", "-t", "p", "Enter");
      let at: number | null = null;
      spin(10_000, () => (at = Date.parse((rig.stub.requests().find((q) => q.act?.text === text) as { at?: string } | undefined)?.at ?? "")) > 0);
      if (at !== null && at > 0) t.reached.push(at - wall);
      else tmux("send-keys", "-t", "p", "C-u"); // not taken: clear the input line for the next trial
      spin(60_000, () => screen().split(text).length > 2 || !at);
      spin(30_000, () => READY[kind](screen()));
    }
    return t;
  } finally {
    tmux("kill-server");
    killMarked(`SWARM_BENCH_PEER=${sock}`);
  }
}

/** SIGKILLs every process whose environment holds `entry` (the peer's agents and what they detached). */
function killMarked(entry: string): void {
  for (const n of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (fs.readFileSync(`/proc/${n}/environ`).includes(`${entry}\0`)) process.kill(Number(n), "SIGKILL");
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

const cell = (xs: number[], a = [...xs].sort((x, y) => x - y)) =>
  a.length ? `**${fmt(percentile(a, 50), 0)}** / ${fmt(percentile(a, 90), 0)} ms (${a.length}/${REAL_TRIALS})` : `n/a (0/${REAL_TRIALS})`;

/** Rows for the send table, one per real CLI (a stated skip when it cannot run here). */
export async function realAgentRows(): Promise<string[]> {
  const rows: string[] = [];
  const why = realAgentsUnavailable([]);
  const label = (k: RealAgentKind) => `${NAMES[k]} ${AGENTS_MANIFEST.packages[k].version} (real, offline rig)`;
  if (why) return KINDS.map((k) => `| ${label(k)} | skipped: ${why} | |`);
  const rig = await startRealAgentRig({ tag: "bsnd" });
  try {
    for (const k of KINDS) {
      const missing = realAgentsUnavailable([k]);
      if (missing) {
        rows.push(`| ${label(k)} | skipped: ${missing} | |`);
        continue;
      }
      const o = await ours(rig, k);
      const med = (xs: number[]) =>
        percentile(
          [...xs].sort((x, y) => x - y),
          50,
        );
      const theirs = PAUSES.map((ms) => {
        const p = peer(rig, k, ms);
        const how = ms ? `${ms} ms before Enter` : "no pause";
        if (typeof p === "string") return `${how}: ${p}`;
        const ratio = p.reached.length && o.reached.length ? ` (ours / this: **${fmt(med(o.reached) / med(p.reached), 2)}x**)` : "";
        return `${how}: until the model got it ${cell(p.reached)}${ratio}`;
      }).join("; ");
      rows.push(`| ${label(k)} | result ${cell(o.confirmed)}; until the model got it ${cell(o.reached)} | ${theirs} |`);
    }
  } finally {
    await rig.close();
  }
  return rows;
}
