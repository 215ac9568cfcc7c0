import { SwarmError } from "../../protocol/errors.js";
import { ADAPTERS } from "../runtime/adapters/index.js";
import type { AgentAdapter, AgentKind } from "../runtime/adapters/types.js";
import type { RuntimeManager } from "../runtime/manager.js";
import type { RuntimeRow } from "../runtime/registry.js";
import type { SendOptions } from "../runtime/send.js";
import type { InjectResult, StartResult, WakeRuntimes, WakeTarget } from "./ports.js";

const PROBE_SESSION = "00000000-0000-4000-8000-000000000000";
const ENDED: ReadonlySet<string> = new Set(["exited", "lost"]);
/** agent CLIs that take the first prompt as an argument of their interactive start */
const PROMPT_ARGS: Partial<Record<AgentKind, (prompt: string) => string[]>> = {
  claude: (p) => [p],
  codex: (p) => [p],
  gemini: (p) => ["--prompt-interactive", p],
};

function adapterOf(agent: string): AgentAdapter | undefined {
  return (ADAPTERS as Record<string, AgentAdapter | undefined>)[agent];
}

function canResume(agent: string): boolean {
  try {
    return adapterOf(agent)?.resumeCommand(PROBE_SESSION, "probe", { headless: true }) != null;
  } catch {
    return false;
  }
}

/** How a refusal of runtime.send reads: a draft on the input line, a person typing, an approval prompt (its details.reason first). */
function refusalOf(err: SwarmError): InjectResult["refusal"] {
  const reason = String((err.details as { reason?: unknown } | undefined)?.reason ?? "");
  const text = `${reason} ${err.message}`.toLowerCase();
  if (/draft|input line/.test(text)) return "draft";
  if (/human|typed|quiet/.test(text)) return "human";
  if (/approval/.test(text)) return "approval";
  if (/busy|working|starting/.test(text)) return "busy";
  return "other";
}

/** A name for a runtime started beside `name` (a headless resume): `name.tag`, cut to the 63 characters a name may have. */
function besideName(name: string, tag: string): string {
  const suffix = `.${tag}`;
  return name.slice(0, 63 - suffix.length) + suffix;
}

/**
 * The wake's view of the runtime manager. Delivery is the manager's `send` (the deliver
 * domain's safety and confirmation); the wake only maps its outcomes. A resume or spawn
 * of a runtime that has ended takes its name again, so the agent keeps its thread
 * identity; beside a live runtime it gets a name of its own (`NAME.w-3-r1`).
 */
export class ManagerPort implements WakeRuntimes {
  constructor(private readonly mgr: RuntimeManager) {}

  /** The runtime named `name`, else the one started with `name` as its agent id (a live one first). */
  target(name: string): WakeTarget | null {
    let row: RuntimeRow;
    try {
      row = this.mgr.row(name);
    } catch {
      const as = this.mgr.list().filter((r) => r.agent_id === name);
      const found = as.find((r) => !ENDED.has(r.state)) ?? as[0];
      if (!found) return null;
      row = found;
    }
    const info = this.mgr.info(row);
    return {
      name: row.name,
      managed: info.managed,
      canSend: info.features.send,
      state: row.state,
      agent: row.agent,
      session_id: row.session_id,
      last_human_input_at: row.last_human_input_at,
      resumable: info.managed && canResume(row.agent),
      spawnable: info.managed && PROMPT_ARGS[row.agent as AgentKind] !== undefined,
    };
  }

  async inject(name: string, text: string, o: { force: boolean; quietMs: number }): Promise<InjectResult> {
    // `force` and `humanQuietMs` are the deliver domain's override and quiet window (the wake's own, so both agree)
    const opts: SendOptions & { force?: boolean; humanQuietMs?: number } = { ...this.mgr.sendOptions({ text, enter: true }), humanQuietMs: o.quietMs };
    if (o.force) opts.force = true;
    try {
      const r = (await this.mgr.send(name, opts)) as { status: string; why: string };
      if (r.status === "delivered" || r.status === "queued" || r.status === "not_confirmed") return { status: r.status, why: r.why };
      return { status: "refused", why: r.why, refusal: refusalOf(new SwarmError("CONFLICT", r.why)) };
    } catch (err) {
      if (err instanceof SwarmError && err.kind === "CONFLICT") return { status: "refused", why: err.message, refusal: refusalOf(err) };
      throw err;
    }
  }

  async resume(t: WakeTarget, sessionId: string, prompt: string, tag: string): Promise<StartResult> {
    const row = this.mgr.row(t.name);
    const ended = ENDED.has(row.state);
    if (ended) {
      // the runtime domain's own resume: the recorded session id, a new generation under the same name
      try {
        const r = await this.mgr.resume(row.name, { prompt });
        return { ok: true, runtime: r.row.name, detail: `runtime.resume of ${r.row.name} (session ${sessionId})` };
      } catch (err) {
        return { ok: false, why: err instanceof Error ? err.message : String(err) };
      }
    }
    let argv: string[] | null;
    try {
      argv = adapterOf(t.agent)?.resumeCommand(sessionId, prompt, { headless: true }) ?? null;
    } catch (err) {
      return { ok: false, why: err instanceof Error ? err.message : String(err) };
    }
    if (!argv) return { ok: false, why: `agent ${t.agent} cannot resume a session by id` };
    return this.startBeside(row, besideName(row.name, tag), argv, "headless resume beside the live runtime");
  }

  async spawn(t: WakeTarget, prompt: string, tag: string): Promise<StartResult> {
    const row = this.mgr.row(t.name);
    const args = PROMPT_ARGS[t.agent as AgentKind];
    const a = adapterOf(t.agent);
    if (!args || !a) return { ok: false, why: `agent ${t.agent} has no start command that takes a prompt` };
    const ended = ENDED.has(row.state);
    return this.startBeside(row, ended ? row.name : besideName(row.name, tag), a.startCommand({ args: args(prompt) }), "a new session");
  }

  private async startBeside(row: RuntimeRow, name: string, command: string[], what: string): Promise<StartResult> {
    try {
      const started = await this.mgr.start({
        name,
        command,
        agent: row.agent,
        cwd: row.environment ? undefined : row.cwd,
        env: row.environment ?? undefined,
        cols: row.cols || 120,
        rows: row.rows || 40,
        backend: row.pty_backend === "tmux" ? "tmux" : "holder",
        vars: { SWARM_WAKE_OF: row.agent_id ?? row.name },
        redact: true,
      });
      return { ok: true, runtime: started.name, detail: `${what}: runtime ${started.name} (${command.slice(0, 3).join(" ")} …)` };
    } catch (err) {
      return { ok: false, why: err instanceof Error ? err.message : String(err) };
    }
  }

  observeHumanInput(fn: (name: string, data: string) => void): () => void {
    return this.mgr.humanGate.observe(fn);
  }

  holdHumanInput(name: string): () => void {
    // written past the gate as plain input: the observers already heard these keys when they arrived
    return this.mgr.humanGate.hold(name, (keys) => void this.mgr.input(name, keys, false));
  }
}
