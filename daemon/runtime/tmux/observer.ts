/**
 * Read-only view of one tmux pane: screen, health and agent state. This is all an
 * unmanaged runtime (a pane someone else started) ever gets; it never writes to the pane.
 */
import type { AgentAdapter, DetectedState, ScreenView } from "../adapters/types.js";
import { pidAlive } from "../../../protocol/os.js";
import { PANE_FORMAT, parsePane, type PaneInfo, type TmuxServer } from "./server.js";

export interface TmuxHealth {
  /** the pane (and so its session) still exists on the server */
  exists: boolean;
  /** the pane's process ended; the pane stays only because of remain-on-exit */
  paneDead: boolean;
  /** null while alive, and briefly after death: tmux sees the pty close before it reaps the child */
  exitStatus: number | null;
  pid: number | null;
  /** the pane's first process is alive as seen from this host (kill(pid, 0)) */
  pidAlive: boolean;
  command: string | null;
}

export interface TmuxSnapshot {
  info: PaneInfo;
  view: ScreenView;
}

export class TmuxPaneObserver {
  readonly server: TmuxServer;
  /** a tmux target: pane id ("%3"), "session:window.pane", or a session name */
  readonly target: string;
  private lastText: string | null = null;
  private lastChangeAt = Date.now();

  constructor(server: TmuxServer, target: string) {
    this.server = server;
    this.target = target;
  }

  /** Info and screen text from one tmux invocation, so the cursor matches the text. */
  async snapshot(): Promise<TmuxSnapshot | null> {
    const r = await this.server.raw(["display-message", "-p", "-t", this.target, PANE_FORMAT, ";", "capture-pane", "-p", "-t", this.target]);
    if (r.code !== 0 || !r.stdout.startsWith("%")) return null;
    const [head, ...rest] = r.stdout.replace(/\n$/, "").split("\n");
    const info = parsePane(head ?? "");
    const lines = rest.slice(0, info.rows).map((l) => l.replace(/\s+$/, ""));
    while (lines.length < info.rows) lines.push("");
    this.noteText(lines.join("\n"));
    return {
      info,
      view: {
        lines,
        cols: info.cols,
        rows: info.rows,
        cursor: info.cursor,
        altScreen: info.altScreen,
        // tmux exposes no format for the pane's bracketed-paste mode; paste-buffer -p still honours it
        bracketedPaste: false,
        title: info.title,
      },
    };
  }

  /** The visible screen as plain text (`ansi` keeps colours and attributes as escape sequences). */
  async capture(opts: { ansi?: boolean; scrollbackLines?: number } = {}): Promise<string> {
    const argv = ["capture-pane", "-p", "-t", this.target];
    if (opts.ansi) argv.push("-e");
    if (opts.scrollbackLines) argv.push("-S", String(-opts.scrollbackLines));
    return this.server.run(argv);
  }

  async health(): Promise<TmuxHealth> {
    const info = await this.server.paneInfo(this.target);
    if (!info) return { exists: false, paneDead: true, exitStatus: null, pid: null, pidAlive: false, command: null };
    return {
      exists: true,
      paneDead: info.dead,
      exitStatus: info.dead ? info.deadStatus : null,
      pid: info.pid || null,
      pidAlive: info.pid > 0 && pidAlive(info.pid),
      command: info.command || null,
    };
  }

  /** Runs an adapter's detector on the current screen; output age is measured between calls. */
  async detect(adapter: AgentAdapter): Promise<DetectedState & { view: ScreenView | null }> {
    const snap = await this.snapshot();
    if (!snap) return { state: "exited", why: `tmux: pane ${this.target} no longer exists`, view: null };
    const d = adapter.detect(snap.view, {
      msSinceOutput: Date.now() - this.lastChangeAt,
      exited: snap.info.dead,
      exitCode: snap.info.dead ? snap.info.deadStatus : null,
    });
    return { ...d, view: snap.view };
  }

  private noteText(text: string): void {
    if (text !== this.lastText) {
      this.lastText = text;
      this.lastChangeAt = Date.now();
    }
  }
}
