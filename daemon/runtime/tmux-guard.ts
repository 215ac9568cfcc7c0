/**
 * The checks a tmux runtime gets before text is pasted into it, the same as the holder's
 * (send.ts, guardSend): no delivery at an approval prompt, over a draft in the agent's input
 * line, or while a person typed within the quiet window. tmux has no byte stream, so both
 * inputs are read from tmux itself:
 *   - the input line from `capture-pane -e` (text with its SGR attributes) rendered into a
 *     terminal model of the pane's size, so a faint suggestion is told from typed text exactly
 *     as on a holder runtime's screen;
 *   - a person's typing from the session's attached clients: tmux stamps `client_activity`
 *     when a client sends a key (not for our own `send-keys`/`paste-buffer`), and at attach,
 *     so a stamp later than the client's `client_created` is a keystroke.
 */
import type { ScreenView } from "./adapters/types.js";
import { TerminalModel } from "./terminal-model.js";
import type { TmuxPaneObserver } from "./tmux/index.js";
import { PANE_FORMAT, parsePane, type PaneInfo } from "./tmux/server.js";

/** The pane's screen with per-cell faint flags (see TerminalModel.styledView), or null when the pane is gone. */
export async function styledPane(pane: TmuxPaneObserver): Promise<{ info: PaneInfo; view: ScreenView } | null> {
  const r = await pane.server.raw(["display-message", "-p", "-t", pane.target, PANE_FORMAT, ";", "capture-pane", "-p", "-e", "-t", pane.target]);
  if (r.code !== 0 || !r.stdout.startsWith("%")) return null;
  const [head, ...rest] = r.stdout.replace(/\n$/, "").split("\n");
  const info = parsePane(head ?? "");
  const model = new TerminalModel(Math.max(1, info.cols), Math.max(1, info.rows), 0);
  try {
    const rows = rest.slice(0, info.rows).join("\r\n");
    await new Promise<void>((done) => model.write(`${rows}\x1b[0m\x1b[${info.cursor.y + 1};${info.cursor.x + 1}H`, done));
    // tmux exposes no format for bracketed paste; paste-buffer -p honours the program's mode itself
    return { info, view: { ...model.styledView(), altScreen: info.altScreen, bracketedPaste: false, title: info.title } };
  } finally {
    model.dispose();
  }
}

/**
 * Milliseconds since a person last pressed a key in a client attached to `session`
 * (Infinity: none did, or no client is attached). tmux's stamps have one-second resolution:
 * the age is rounded down, so the quiet window is never cut short.
 */
export async function humanAgeMs(pane: TmuxPaneObserver, session: string, now = Date.now()): Promise<number> {
  const r = await pane.server.raw(["list-clients", "-t", `=${session}`, "-F", "#{client_activity} #{client_created}"]);
  if (r.code !== 0) return Infinity;
  let last = 0;
  for (const l of r.stdout.split("\n")) {
    const [activity, created] = l.trim().split(" ").map(Number);
    if (activity && created && activity > created) last = Math.max(last, activity);
  }
  return last ? Math.max(0, now - (last + 1) * 1000) : Infinity;
}
