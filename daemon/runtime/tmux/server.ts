/** One tmux server (ours on a private socket, or the user's) and the commands we send it. */
import { SwarmError } from "../../../protocol/errors.js";
import { execTmux, socketArgs, type TmuxResult, type TmuxRunner, type TmuxSocket } from "./runner.js";

/** Fields read with display-message/list-panes, in this order, separated by a tab. */
const PANE_FIELDS = [
  "pane_id",
  "session_name",
  "window_index",
  "pane_index",
  "pane_pid",
  "pane_dead",
  "pane_dead_status",
  "pane_current_command",
  "pane_width",
  "pane_height",
  "cursor_x",
  "cursor_y",
  "alternate_on",
  "pane_title",
] as const;
export const PANE_FORMAT = PANE_FIELDS.map((f) => `#{${f}}`).join("\t");

export interface PaneInfo {
  /** tmux's stable pane id, e.g. "%3" */
  paneId: string;
  session: string;
  window: number;
  pane: number;
  pid: number;
  dead: boolean;
  /** exit status once the pane is dead (needs remain-on-exit), else null */
  deadStatus: number | null;
  command: string;
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
  altScreen: boolean;
  title: string;
}

export function parsePane(line: string): PaneInfo {
  const v = line.split("\t");
  const n = (i: number) => Number(v[i] ?? "");
  return {
    paneId: v[0] ?? "",
    session: v[1] ?? "",
    window: n(2),
    pane: n(3),
    pid: n(4),
    dead: v[5] === "1",
    deadStatus: v[6] === "" || v[6] === undefined ? null : n(6),
    command: v[7] ?? "",
    cols: n(8),
    rows: n(9),
    cursor: { x: n(10), y: n(11) },
    altScreen: v[12] === "1",
    title: v.slice(13).join("\t"),
  };
}

export class TmuxServer {
  readonly socket: TmuxSocket;
  private readonly runner: TmuxRunner;

  constructor(opts: { socket: TmuxSocket; runner?: TmuxRunner }) {
    this.socket = opts.socket;
    this.runner = opts.runner ?? execTmux();
  }

  /** Runs one tmux command line (several commands may be chained with ";" as separate argv items). */
  async raw(argv: string[], input?: string): Promise<TmuxResult> {
    return this.runner([...socketArgs(this.socket), ...argv], input);
  }

  /** Like raw, but a non-zero exit becomes an error naming the command and tmux's message. */
  async run(argv: string[], input?: string): Promise<string> {
    const r = await this.raw(argv, input);
    if (r.code !== 0) {
      const msg = r.stderr.trim() || `exit code ${r.code}`;
      const missing = /can't find|no server running|no such|error connecting/i.test(msg);
      throw new SwarmError(missing ? "NOT_FOUND" : "UNAVAILABLE", `tmux ${argv[0]} failed: ${msg}`, {
        details: { argv, socket: this.socket },
        hint: missing ? "check the target with `tmux list-panes -a` on the same socket" : undefined,
      });
    }
    return r.stdout;
  }

  /** Info on one pane, or null when the target (or the server) does not exist. */
  async paneInfo(target: string): Promise<PaneInfo | null> {
    const r = await this.raw(["display-message", "-p", "-t", target, PANE_FORMAT]);
    // display-message with a target that matches nothing prints an empty line and exits 0
    if (r.code !== 0 || !r.stdout.startsWith("%")) return null;
    return parsePane(r.stdout.replace(/\n$/, ""));
  }

  /** Every pane on this server (empty when no server runs). */
  async listPanes(): Promise<PaneInfo[]> {
    const r = await this.raw(["list-panes", "-a", "-F", PANE_FORMAT]);
    if (r.code !== 0) return [];
    return r.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map(parsePane);
  }

  async hasSession(name: string): Promise<boolean> {
    return (await this.raw(["has-session", "-t", `=${name}`])).code === 0;
  }

  /** Stops the whole server; only ever used on our own private socket. */
  async kill(): Promise<void> {
    if (this.socket === "default") throw new SwarmError("PERMISSION_DENIED", "refusing to kill the user's default tmux server");
    await this.raw(["kill-server"]);
  }
}
