/**
 * A managed agent in a named tmux session on our server (R-R6): we start it, deliver text
 * with a bracketed paste and a separate Enter, and kill it. The pane keeps its exit status
 * (remain-on-exit) so a finished agent is reported with its code instead of vanishing.
 */
import { SwarmError } from "../../../protocol/errors.js";
import { checkName } from "../../../protocol/names.js";
import { pollUntil } from "../../../protocol/wait.js";
import { TmuxPaneObserver } from "./observer.js";
import type { TmuxServer } from "./server.js";

export interface StartTmuxOptions {
  /** tmux session name; our name rule minus "." (tmux uses "." in targets) */
  name: string;
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
}

export interface SendOptions {
  /** press Enter after the paste (default true) */
  submit?: boolean;
  /** pause between the paste and the Enter, so the program sees two separate inputs (default 30 ms) */
  enterDelayMs?: number;
  /** how long to wait for the screen to change after Enter (default 2000 ms; 0 skips confirmation) */
  confirmTimeoutMs?: number;
  /**
   * Enter presses to retry when the screen did not change (default 0). Seen with Codex: an
   * Enter that arrives while it is still starting up is dropped and the text stays unsent.
   */
  retryEnter?: number;
}

export interface SendResult {
  result: "delivered" | "not_confirmed";
  why: string;
}

const PLACEHOLDER = "sleep 2147483647";
let bufferSeq = 0;

/** tmux runs a single-string command through sh -c; quote it so argv[0] stays one word. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function checkSessionName(name: string): void {
  const bad =
    checkName(name) ??
    (name.includes(".") ? `invalid tmux session name ${JSON.stringify(name)}: "." is not allowed (tmux reads it as a window.pane separator)` : null);
  if (bad) throw new SwarmError("INVALID_ARGUMENT", bad, { hint: "use letters, digits, '-' and '_', e.g. swarm-agent-1" });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ManagedTmuxSession extends TmuxPaneObserver {
  readonly name: string;
  private sendChain: Promise<unknown> = Promise.resolve();

  constructor(server: TmuxServer, name: string, paneId: string) {
    super(server, paneId);
    this.name = name;
  }

  /**
   * Pastes `text` as one bracketed paste (tmux adds the markers only if the program turned
   * bracketed paste on), then Enter as its own key press. Sends to one session never interleave.
   */
  send(text: string, opts: SendOptions = {}): Promise<SendResult> {
    const next = this.sendChain.then(() => this.sendNow(text, opts));
    this.sendChain = next.catch(() => undefined);
    return next;
  }

  private async sendNow(text: string, opts: SendOptions): Promise<SendResult> {
    // tmux refuses to load an empty buffer; an empty message is just Enter
    if (text !== "") {
      const buffer = `swarm-send-${process.pid}-${++bufferSeq}`;
      await this.server.run(["load-buffer", "-b", buffer, "-"], text);
      await this.server.run(["paste-buffer", "-p", "-r", "-d", "-b", buffer, "-t", this.target]);
    }
    if (opts.submit === false) return { result: "delivered", why: "pasted without Enter (submit: false)" };
    await sleep(opts.enterDelayMs ?? 30);
    const timeout = opts.confirmTimeoutMs ?? 2000;
    for (let attempt = 0; attempt <= (opts.retryEnter ?? 0); attempt++) {
      const before = timeout > 0 ? await this.capture() : "";
      await this.server.run(["send-keys", "-t", this.target, "Enter"]);
      if (timeout === 0) return { result: "delivered", why: "sent; confirmation skipped" };
      if (await this.screenChanges(before, timeout)) {
        return { result: "delivered", why: attempt === 0 ? "screen changed after Enter" : `screen changed after Enter retry ${attempt}` };
      }
    }
    return { result: "not_confirmed", why: `screen unchanged ${timeout} ms after Enter` };
  }

  private async screenChanges(before: string, timeoutMs: number): Promise<boolean> {
    return (await pollUntil(async () => (await this.capture()) !== before, { timeoutMs, everyMs: 20 })) !== null;
  }

  /** Sends tmux key names (e.g. "C-c", "Escape", "y") without pasting. */
  async sendKeys(...keys: string[]): Promise<void> {
    await this.server.run(["send-keys", "-t", this.target, ...keys]);
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.server.run(["resize-window", "-t", this.name, "-x", String(cols), "-y", String(rows)]);
  }

  /** Ends the agent and removes its session. */
  async kill(): Promise<void> {
    await this.server.raw(["kill-session", "-t", `=${this.name}`]);
  }
}

/**
 * Starts `argv` in a new detached session. The pane first runs a placeholder so that
 * remain-on-exit is set before the agent can exit, then respawn-pane swaps the agent in.
 */
export async function startManagedSession(server: TmuxServer, opts: StartTmuxOptions): Promise<ManagedTmuxSession> {
  checkSessionName(opts.name);
  if (opts.argv.length === 0) throw new SwarmError("INVALID_ARGUMENT", "no command to start in tmux", { hint: 'pass the agent\'s argv, e.g. ["claude"]' });
  if (server.socket === "default") {
    throw new SwarmError("PERMISSION_DENIED", "managed tmux sessions run on swarm's own tmux socket, not the user's default server", {
      hint: 'create the TmuxServer with { socket: { name: "swarm-…" } }',
    });
  }
  if (await server.hasSession(opts.name)) {
    throw new SwarmError("CONFLICT", `tmux session ${JSON.stringify(opts.name)} already exists`, { hint: "pick another name or kill the old session" });
  }
  const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const cmd = opts.argv.length === 1 ? [shellQuote(opts.argv[0]!)] : opts.argv;
  const out = await server.run([
    "new-session",
    "-d",
    "-s",
    opts.name,
    "-x",
    String(opts.cols ?? 120),
    "-y",
    String(opts.rows ?? 40),
    "-P",
    "-F",
    "#{pane_id}",
    PLACEHOLDER,
    ";",
    "set-option",
    "-w",
    "-t",
    `=${opts.name}:`,
    "remain-on-exit",
    "on",
    ";",
    "respawn-pane",
    "-k",
    "-t",
    `=${opts.name}:`,
    ...(opts.cwd ? ["-c", opts.cwd] : []),
    ...env,
    ...cmd,
  ]);
  const paneId = out.split("\n")[0]?.trim() ?? "";
  if (!/^%\d+$/.test(paneId)) throw new SwarmError("INTERNAL", `tmux new-session printed no pane id (got ${JSON.stringify(out)})`);
  return new ManagedTmuxSession(server, opts.name, paneId);
}

/** Re-attaches to a managed session we started earlier (e.g. after a daemon restart). */
export async function findManagedSession(server: TmuxServer, name: string): Promise<ManagedTmuxSession | null> {
  checkSessionName(name);
  const info = await server.paneInfo(`=${name}:`);
  return info ? new ManagedTmuxSession(server, name, info.paneId) : null;
}
