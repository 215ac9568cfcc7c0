import { randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { ADAPTERS } from "./adapters/index.js";
import { UUID_IN_TEXT, requireUuid } from "./adapters/session-id.js";
import type { AgentKind } from "./adapters/types.js";
import type { StartParams } from "./backend.js";
import type { RuntimeRow } from "./registry.js";

/**
 * Session ids (issue 11, defect 5): every agent runtime's exact session id goes into the
 * registry, so `runtime.resume` can continue that session and no other.
 * - Claude Code and Gemini CLI take the id from us: `--session-id UUID` at start.
 * - Codex picks its own; it writes it into its session file
 *   (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-…-<id>.jsonl`, first line `session_meta`), which
 *   is read while the runtime runs, and prints it at exit (`codex resume <id>`).
 */

/** Flags by which an agent's argv already names its session (then that id is the one). */
const SESSION_FLAGS: Partial<Record<AgentKind, string[]>> = { claude: ["--session-id", "--resume", "-r"], gemini: ["--session-id", "--resume", "-r"] };

/** Agents whose resume with a prompt runs headless unless asked otherwise: `codex exec resume ID PROMPT` runs one turn and exits with its status. */
const HEADLESS_WITH_PROMPT: ReadonlySet<AgentKind> = new Set(["codex"]);

/**
 * The session a start runs under: the one given, the one its argv names, or (for agents
 * that let us choose) a fresh UUID added as `--session-id`. Returns the argv to run.
 */
export function pinSession(agent: AgentKind, command: string[], given: string | undefined): { command: string[]; sessionId: string | undefined } {
  const adapter = ADAPTERS[agent];
  if (command.length === 0 || path.basename(command[0]!) !== agent) return { command, sessionId: given };
  const args = command.slice(1);
  const flags = SESSION_FLAGS[agent] ?? [];
  for (let i = 0; i < args.length - 1; i++) if (flags.includes(args[i]!)) return { command, sessionId: given ?? args[i + 1] };
  // codex names a session positionally: `codex resume ID`, `codex exec resume ID`
  const r = args.indexOf("resume");
  if (agent === "codex" && r >= 0 && args[r + 1] && UUID_IN_TEXT.test(args[r + 1]!)) return { command, sessionId: given ?? args[r + 1] };
  if (!adapter?.pinsSessionId || args.some((a) => a === "--continue" || a === "-c")) return { command, sessionId: given };
  const id = given ? requireUuid(agent, given) : randomUUID();
  return { command: [...command, "--session-id", id], sessionId: id };
}

/** A fresh id for an agent whose adapter start command pins one, else the given one. */
export function freshSessionId(agent: AgentKind, given: string | undefined): string | undefined {
  return given ?? (ADAPTERS[agent]?.pinsSessionId ? randomUUID() : undefined);
}

export interface ResumePlan {
  command: string[];
  headless: boolean;
}

const ENDED: ReadonlySet<string> = new Set(["exited", "lost"]);

/** The argv that continues exactly this runtime's session, or a clear refusal saying why there is none. */
export function resumePlan(row: RuntimeRow, o: { prompt?: string | undefined; headless?: boolean | undefined }): ResumePlan {
  const name = row.name;
  if (row.management !== "managed") throw new SwarmError("PERMISSION_DENIED", `runtime ${name} was not started by swarm; it cannot be resumed here`);
  if (!ENDED.has(row.state)) {
    throw new SwarmError("CONFLICT", `runtime ${name} is ${row.state}; resume continues a session whose runtime has ended`, {
      hint: `send it text instead (\`swarmctl runtime send ${name} …\`), or stop it first: \`swarmctl runtime stop ${name}\``,
      details: { state: row.state },
    });
  }
  const agent = row.agent as AgentKind;
  const adapter = ADAPTERS[agent];
  if (!row.session_id) {
    throw new SwarmError("INVALID_TRANSITION", `runtime ${row.name} has no recorded session id to resume`, {
      hint:
        agent === "codex"
          ? "codex records its id once the first turn has started; start a new runtime instead"
          : `start agents with --agent ${agent} (swarm pins the id), or pass --session ID at start`,
      details: { agent },
    });
  }
  const headless = o.headless ?? (o.prompt !== undefined && HEADLESS_WITH_PROMPT.has(agent));
  const argv = adapter?.resumeCommand(row.session_id, o.prompt, { headless }) ?? null;
  if (!argv) {
    throw new SwarmError("INVALID_ARGUMENT", `agent ${row.agent} cannot resume a session`, { hint: "resume works for claude, codex and gemini runtimes" });
  }
  // the same program as before (a full path, say), the adapter's resume arguments
  const program = row.command[0] && path.basename(row.command[0]) === argv[0] ? row.command[0] : argv[0]!;
  return { command: [program, ...argv.slice(1)], headless };
}

/** The start of a resumed generation: the same place, agent, size, backend and rules as the one it continues. */
export function resumeStart(row: RuntimeRow, plan: ResumePlan, vars: Record<string, string>): StartParams {
  return {
    name: row.name,
    command: plan.command,
    agent: row.agent,
    session_id: row.session_id ?? undefined,
    ...(row.agent_id ? { agent_id: row.agent_id } : {}),
    ...(row.environment ? { env: row.environment } : { cwd: row.cwd }),
    ...(Object.keys(vars).length ? { vars } : {}),
    ...(row.detector ? { detector: row.detector } : {}),
    cols: row.cols,
    rows: row.rows,
    backend: row.pty_backend === "tmux" ? "tmux" : "holder",
    // a resumed session is redacted: the registry does not keep a --no-redact choice
    redact: true,
  };
}

/** The variables a resume runs with: every name the runtime was started with needs a value again. */
export function resumeVars(row: RuntimeRow, vars: Record<string, string>): Record<string, string> {
  const missing = (row.var_names ?? []).filter((k) => !(k in vars));
  if (missing.length) {
    throw new SwarmError("INVALID_ARGUMENT", `runtime ${row.name} was started with variables ${missing.join(", ")} whose values this daemon no longer holds`, {
      hint: `pass them again: swarmctl runtime resume ${row.name} ${missing.map((k) => `--var ${k}`).join(" ")}`,
      details: { missing },
    });
  }
  return vars;
}

/** The environment of a live process, from /proc. */
export async function environOf(pid: number): Promise<Record<string, string>> {
  const raw = await fsp.readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
  const env: Record<string, string> = {};
  for (const kv of raw.split("\0")) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

/** Codex's session file's first line: `{"type":"session_meta","payload":{"id":…,"cwd":…}}`. */
async function sessionMeta(file: string): Promise<{ id: string; cwd: string | null } | null> {
  const fh = await fsp.open(file, "r").catch(() => null);
  if (!fh) return null;
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    const first = buffer.subarray(0, bytesRead).toString("utf8").split("\n")[0] ?? "";
    const meta = JSON.parse(first) as { payload?: { id?: string; cwd?: string }; id?: string; cwd?: string };
    const id = meta.payload?.id ?? meta.id ?? UUID_IN_TEXT.exec(path.basename(file))?.[0];
    return id ? { id, cwd: meta.payload?.cwd ?? meta.cwd ?? null } : null;
  } catch {
    const id = UUID_IN_TEXT.exec(path.basename(file))?.[0];
    return id ? { id, cwd: null } : null;
  } finally {
    await fh.close();
  }
}

const ROLLOUT = /^rollout-.*\.jsonl$/;

/**
 * Codex's session id for a runtime: a rollout file one of its processes holds open, else the
 * first rollout file in its CODEX_HOME made since the runtime started for the same directory
 * that no other runtime has claimed.
 */
export async function findCodexSession(o: {
  pids: number[];
  /** the CODEX_HOME the runtime's codex uses */
  home: string;
  cwd: string;
  sinceMs: number;
  taken: ReadonlySet<string>;
}): Promise<string | null> {
  for (const pid of o.pids) {
    const fds = await fsp.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await fsp.readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      if (ROLLOUT.test(path.basename(target))) {
        const meta = await sessionMeta(target);
        if (meta && !o.taken.has(meta.id)) return meta.id;
      }
    }
  }
  const files = await recentRollouts(path.join(o.home, "sessions"), o.sinceMs - 2000);
  const cwd = realpath(o.cwd);
  for (const f of files) {
    const meta = await sessionMeta(f);
    if (meta && !o.taken.has(meta.id) && (meta.cwd === null || realpath(meta.cwd) === cwd)) return meta.id;
  }
  return null;
}

/** Where a codex process keeps its sessions: CODEX_HOME, else ~/.codex, from its environment. */
export function codexHomeOf(env: Record<string, string>): string {
  return env.CODEX_HOME ?? path.join(env.HOME ?? os.homedir(), ".codex");
}

/** Rollout files changed since `sinceMs`, oldest first, from the day folders that can hold them. */
async function recentRollouts(dir: string, sinceMs: number): Promise<string[]> {
  const out: { f: string; ms: number }[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    const names = await fsp.readdir(d, { withFileTypes: true }).catch(() => []);
    // YYYY/MM/DD folders: only the newest two at each level (today, and yesterday across midnight)
    const dirs = names
      .filter((n) => n.isDirectory())
      .map((n) => n.name)
      .sort()
      .slice(-2);
    if (depth < 3) for (const n of dirs) await walk(path.join(d, n), depth + 1);
    for (const n of names) {
      const p = path.join(d, n.name);
      if (n.isFile() && ROLLOUT.test(n.name)) {
        const st = await fsp.stat(p).catch(() => null);
        if (st && st.mtimeMs >= sinceMs) out.push({ f: p, ms: st.birthtimeMs || st.mtimeMs });
      }
    }
  };
  await walk(dir, 0);
  return out.sort((a, b) => a.ms - b.ms).map((x) => x.f);
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
