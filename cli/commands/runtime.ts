import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { SwarmError } from "../../protocol/errors.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import type { ParamsFor } from "../../client/index.js";
import type { CliContext, CommandGroup } from "../context.js";
import { collect, parseVars, registerSession } from "./runtime-session.js";

type AgentKind = NonNullable<ParamsFor<"runtime.start">["agent"]>;
type Backend = NonNullable<ParamsFor<"runtime.start">["backend"]>;
type Signal = NonNullable<ParamsFor<"runtime.kill">["signal"]>;
// Keyed by the protocol's own unions, so a kind added or removed there fails to compile here (no zod loaded at run time).
const AGENT_KINDS: Record<AgentKind, true> = { shell: true, claude: true, codex: true, aider: true, gemini: true, scripted: true, custom: true };
const AGENTS = Object.keys(AGENT_KINDS) as AgentKind[];
const BACKENDS: Record<Backend, true> = { holder: true, tmux: true };

function agentKind(v: string): AgentKind {
  if (v in AGENT_KINDS) return v as AgentKind;
  throw new SwarmError("INVALID_ARGUMENT", `unknown agent kind ${JSON.stringify(v)}`, { hint: `use one of ${AGENTS.join(", ")}` });
}

function ago(iso: string | null): string {
  if (!iso) return "-";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

function printRuntime(c: CliContext, r: Runtime & { recordings?: string[] }): void {
  if (c.out.json) return c.out.printJson(r);
  const exit = r.state === "exited" ? ` (${r.exit_signal ? `signal ${r.exit_signal}` : `code ${r.exit_code}`})` : "";
  c.out.print(
    [
      `${r.name}  ${r.state}${exit}  — ${r.why}`,
      `id        ${r.id}`,
      `agent     ${r.agent}${r.session_id ? `  session ${r.session_id}` : ""}${r.generation && r.generation > 1 ? `  (generation ${r.generation})` : ""}`,
      `command   ${r.command.join(" ")}`,
      `where     ${r.environment ? `env ${r.environment}` : r.cwd}${r.target ? `  (${r.pty_backend} ${r.target})` : ""}`,
      `pid       ${r.pid ?? "-"} (holder ${r.holder_pid ?? "-"}, ${r.pty_backend}, ${r.management})`,
      `size      ${r.cols}x${r.rows}, ${r.bytes_out} bytes out`,
      ...(r.var_names?.length ? [`vars      ${r.var_names.join(", ")} (values not shown)`] : []),
      `activity  output ${ago(r.last_output_at)}, human input ${ago(r.last_human_input_at)}, heartbeat ${ago(r.heartbeat_at)}`,
      ...(r.recordings?.length ? [`recording ${r.recordings[r.recordings.length - 1]}`] : []),
    ].join("\n"),
  );
}

interface StartOpts {
  env?: string;
  cwd?: string;
  agent: string;
  session?: string;
  agentId?: string;
  cols?: string;
  rows?: string;
  backend: string;
  /** false with --no-redact */
  redact: boolean;
  var?: string[];
}

function intOpt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new SwarmError("INVALID_ARGUMENT", `${what} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

function registerStart(rt: Command, ctx: () => CliContext): void {
  rt.command("start")
    .description("start a program in a PTY that outlives the daemon: runtime start NAME [--cwd DIR | --env ENV] -- COMMAND [ARGS…]")
    .argument("<name>", "runtime name")
    .argument("[command...]", "the program and its arguments, after -- (default with --agent: the agent's own start command)")
    .option("--env <env>", "run inside this environment")
    .option("--cwd <dir>", "working directory (default: the current directory)")
    .option("--agent <kind>", `agent kind for state detection: ${AGENTS.join(", ")}`, "custom")
    .option("--session <id>", "the agent's logical session id")
    .option("--agent-id <id>", "who the agent is in threads (its token's agent_id, the participant its wakes are for); default: NAME")
    .option("--cols <n>", "terminal columns (default 120)")
    .option("--rows <n>", "terminal rows (default 40)")
    .option("--backend <kind>", "holder (our PTY holder) or tmux (a session on swarm's own tmux socket)", "holder")
    .option("--no-redact", "record and show secret values as printed (default: masked as ********; the start event records this)")
    .option(
      "--var <KEY=VALUE>",
      "an environment variable for the program, e.g. an API key (repeatable; --var KEY takes it from this shell); never shown",
      collect,
    )
    .action(async (name: string, command: string[], o: StartOpts) => {
      const c = ctx();
      if (!command.length && o.agent === "custom") {
        throw new SwarmError("INVALID_ARGUMENT", "no command given", {
          hint: `swarmctl runtime start ${name} -- COMMAND [ARGS…]  (or --agent KIND to use that agent's own start command)`,
        });
      }
      if (o.env && o.cwd) throw new SwarmError("INVALID_ARGUMENT", "--env and --cwd exclude each other", { hint: "give one of them" });
      const agent = agentKind(o.agent);
      if (!(o.backend in BACKENDS)) {
        throw new SwarmError("INVALID_ARGUMENT", `unknown backend ${JSON.stringify(o.backend)}`, {
          hint: "use --backend holder (the default) or --backend tmux",
        });
      }
      const cwd = o.env ? undefined : path.resolve(o.cwd ?? process.cwd());
      if (cwd && !fs.existsSync(cwd)) throw new SwarmError("INVALID_ARGUMENT", `--cwd ${cwd} does not exist`);
      const vars = parseVars(o.var);
      const r = await c.call("runtime.start", {
        name,
        command,
        agent,
        ...(cwd ? { cwd } : {}),
        ...(o.env ? { env: o.env } : {}),
        ...(o.session ? { session_id: o.session } : {}),
        ...(o.agentId ? { agent_id: o.agentId } : {}),
        ...(o.cols ? { cols: intOpt(o.cols, "--cols") } : {}),
        ...(o.rows ? { rows: intOpt(o.rows, "--rows") } : {}),
        ...(o.backend !== "holder" ? { backend: o.backend as Backend } : {}),
        ...(o.redact ? {} : { redact: false }),
        ...(vars ? { vars } : {}),
      });
      if (c.out.json) c.out.printJson(r);
      else if (r.pty_backend === "tmux")
        c.out.print(`started ${r.name} in tmux session ${r.target} (pid ${r.pid}); watch it with \`swarmctl runtime screen ${r.name}\``);
      else c.out.print(`started ${r.name} (pid ${r.pid}, ${r.id}); attach with \`swarmctl attach ${r.name}\``);
    });
}

function registerObserve(rt: Command, ctx: () => CliContext): void {
  rt.command("observe")
    .description("watch an EXISTING tmux pane as an unmanaged runtime (screen and state only; swarm never writes to it)")
    .argument("<name>", "runtime name")
    .requiredOption("--tmux-target <target>", "the pane: %ID, session:window.pane, or a session name")
    .option("--tmux-socket <path>", "the tmux server's socket path (tmux -S); default: your default tmux server")
    .option("-L, --tmux-socket-name <name>", "the tmux server's socket name (tmux -L)")
    .option("--agent <kind>", `agent kind for state detection: ${AGENTS.join(", ")}`, "custom")
    .action(async (name: string, o: { tmuxTarget: string; tmuxSocket?: string; tmuxSocketName?: string; agent: string }) => {
      const c = ctx();
      if (o.tmuxSocket && o.tmuxSocketName) throw new SwarmError("INVALID_ARGUMENT", "--tmux-socket and -L exclude each other", { hint: "give one of them" });
      const r = await c.call("runtime.observe", {
        name,
        target: o.tmuxTarget,
        agent: agentKind(o.agent),
        ...(o.tmuxSocket ? { socket_path: path.resolve(o.tmuxSocket) } : {}),
        ...(o.tmuxSocketName ? { socket_name: o.tmuxSocketName } : {}),
      });
      if (c.out.json) c.out.printJson(r);
      else c.out.print(`observing ${r.target} as ${r.name} (${r.state}: ${r.why}); read it with \`swarmctl runtime screen ${r.name}\``);
    });
}

function registerInspect(rt: Command, ctx: () => CliContext): void {
  rt.command("list")
    .description("live runtimes; --all also those that exited or were lost")
    .option("-a, --all", "also list exited and lost runtimes (remove one with `swarmctl runtime rm NAME`)")
    .action(async (o: { all?: boolean }) => {
      const c = ctx();
      const all = (await c.call("runtime.list", {})).runtimes;
      // Like `docker ps`: finished runtimes stay until removed, but only --all lists them.
      const runtimes = o.all ? all : all.filter((r) => r.state !== "exited" && r.state !== "lost");
      if (c.out.json) return c.out.printJson(runtimes);
      c.out.table(
        runtimes.map((r) => ({ ...r, command: r.command.join(" "), output: ago(r.last_output_at) })),
        [{ key: "name" }, { key: "state" }, { key: "agent" }, { key: "pid" }, { key: "output" }, { key: "why" }, { key: "command" }],
      );
      const hidden = all.length - runtimes.length;
      if (hidden > 0) c.out.print(c.out.dim(`(${hidden} exited or lost not shown: \`runtime list --all\` lists them, \`runtime rm NAME\` removes one)`));
    });

  rt.command("show")
    .description("one runtime's record: state and why, pids, activity, recording")
    .argument("<name>")
    .action(async (name: string) => {
      const c = ctx();
      printRuntime(c, await c.call("runtime.show", { name }));
    });
}

function registerControl(rt: Command, ctx: () => CliContext): void {
  rt.command("stop")
    .description("SIGTERM, then SIGKILL after --grace seconds; returns once it has exited")
    .argument("<name>")
    // not --timeout: that global flag is the deadline of the call to swarmd
    .option("--grace <s>", "seconds before SIGKILL", "5")
    .action(async (name: string, o: { grace: string }) => {
      const c = ctx();
      const ms = Math.round(Number(o.grace) * 1000);
      if (!Number.isFinite(ms) || ms < 0) throw new SwarmError("INVALID_ARGUMENT", `--grace must be a number of seconds, got ${o.grace}`);
      printRuntime(c, await c.call("runtime.stop", { name, timeout_ms: ms }));
    });

  rt.command("kill")
    .description("send a signal (default SIGKILL) and wait for the exit")
    .argument("<name>")
    .option("--signal <sig>", "SIGKILL, SIGTERM, SIGINT, SIGHUP or SIGQUIT", "SIGKILL")
    .action(async (name: string, o: { signal: string }) => {
      const c = ctx();
      // the daemon's schema refuses an unknown signal, naming the allowed ones
      printRuntime(c, await c.call("runtime.kill", { name, signal: o.signal as Signal }));
    });

  rt.command("remove")
    .alias("rm")
    .description("forget an exited or lost runtime (record and recordings)")
    .argument("<name>")
    .action(async (name: string) => {
      const c = ctx();
      const r = await c.call("runtime.remove", { name });
      if (c.out.json) c.out.printJson(r);
      else c.out.print(`removed ${name}`);
    });

  rt.command("send")
    .description(
      "deliver text as input (bracketed paste + Enter), confirmed on screen; refused (exit 4) at an approval prompt, over a draft or while a person types",
    )
    .argument("<name>")
    .argument("[text...]", "the text (joined with spaces); omit to read stdin")
    .option("--no-enter", "do not press Enter after the text")
    .option("--enter-delay <ms>", "pause between the text and Enter (at least the agent's own)")
    .option("--confirm-timeout <ms>", "how long to wait for confirmation")
    .option("--ready-timeout <ms>", "how long to wait for a starting agent to become ready")
    .option("--force", "deliver over a draft in its input line or a person's recent typing (audited); never over an approval prompt")
    .action(async (name: string, words: string[], o: SendOpts) => {
      const c = ctx();
      const text = words.length ? words.join(" ") : fs.readFileSync(0, "utf8").replace(/\n$/, "");
      if (!text) throw new SwarmError("INVALID_ARGUMENT", "nothing to send", { hint: `swarmctl runtime send ${name} "your text"` });
      const r = await c.call("runtime.send", {
        name,
        text,
        enter: o.enter,
        ...(o.force ? { force: true } : {}),
        ...(o.enterDelay ? { enter_delay_ms: intOpt(o.enterDelay, "--enter-delay") } : {}),
        ...(o.confirmTimeout ? { confirm_timeout_ms: intOpt(o.confirmTimeout, "--confirm-timeout") } : {}),
        ...(o.readyTimeout ? { ready_timeout_ms: intOpt(o.readyTimeout, "--ready-timeout") } : {}),
      });
      const good = r.status === "delivered" || r.status === "queued";
      if (c.out.json) c.out.printJson(r);
      else {
        const forced = r.forced ? ` (forced over ${r.forced.draft !== undefined ? `the draft ${JSON.stringify(r.forced.draft)}` : "a person's typing"})` : "";
        c.out.print(`${good ? c.out.ok(r.status) : c.out.warn(r.status)} in ${r.ms} ms (${r.paste ? "bracketed paste" : "typed"}): ${r.why}${forced}`);
      }
      // refused: nothing was written (as for a CONFLICT); not_confirmed: written, not seen to arrive
      if (r.status === "refused") c.exitCode = 4;
      else if (!good) c.exitCode = 9;
    });

  rt.command("answer")
    .description("answer the agent's question on purpose: yes, no, a menu option number, or text for a prompt (audited)")
    .argument("<name>")
    .argument("<answer...>", "yes | no | N (menu option) | TEXT")
    .action(async (name: string, words: string[]) => {
      const c = ctx();
      const r = await c.call("runtime.answer", { name, answer: words.join(" ") });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(`answered ${JSON.stringify(r.question)} with ${r.choice}; now ${r.state}`);
    });
}

interface SendOpts {
  enter: boolean;
  enterDelay?: string;
  confirmTimeout?: string;
  readyTimeout?: string;
  force?: boolean;
}

function registerView(rt: Command, ctx: () => CliContext): void {
  rt.command("screen")
    .description("print the current screen as plain text (--ansi styled; --json rows, cursor, state)")
    .argument("<name>")
    .option("--ansi", "with colours and styles")
    .option("--scrollback <n>", "also print this many lines of scrollback", "0")
    .action(async (name: string, o: { ansi?: boolean; scrollback: string }) => {
      const c = ctx();
      const scrollback = intOpt(o.scrollback, "--scrollback") ?? 0;
      const s = await c.call("runtime.screen", { name, ansi: o.ansi === true, scrollback });
      if (c.out.json) return c.out.printJson(s);
      if (o.ansi) return void process.stdout.write((s.ansi ?? "") + "\x1b[0m\n");
      const lines = [...(s.scrollback ?? []), ...s.lines];
      while (lines.length && lines[lines.length - 1] === "") lines.pop();
      process.stdout.write(lines.join("\n") + "\n");
    });

  rt.command("replay")
    .description("play a runtime's recording back in this terminal, with its timing")
    .argument("<name>")
    .option("--speed <x>", "playback speed factor", "1")
    .option("--max-idle <s>", "cap pauses at this many seconds", "2")
    .action(async (name: string, o: { speed: string; maxIdle: string }) => {
      const { replay } = await import("./runtime-replay.js");
      await replay(ctx(), name, { speed: Number(o.speed), maxIdle: Number(o.maxIdle) });
    });

  rt.command("attach")
    .description("same as `swarmctl attach NAME`")
    .argument("<name>")
    .option("--no-resize", "leave the runtime's size as it is")
    .action(async (name: string, o: { resize: boolean }) => {
      const { attach } = await import("./attach.js");
      await attach(ctx(), name, o);
    });
}

export const register: CommandGroup = (program: Command, ctx) => {
  const rt = program
    .command("runtime")
    .description("agents in PTYs: start, observe, list, show, stop, kill, send, answer, screen, attach, replay, resume, resize");
  registerStart(rt, ctx);
  registerObserve(rt, ctx);
  registerInspect(rt, ctx);
  registerControl(rt, ctx);
  registerView(rt, ctx);
  registerSession(rt, ctx);
};
