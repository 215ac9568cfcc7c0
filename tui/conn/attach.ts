import { RUNTIME_NOTIFICATIONS } from "../../protocol/notifications.js";
import type { RpcClient } from "../../client/index.js";

/** Ctrl-] (as telnet): never sent to the agent. Also its kitty-keyboard form. */
export const DETACH_KEY = "\x1d";
const DETACH_KITTY = "\x1b[93;5u";
export const DETACH_LABEL = "Ctrl-]";

/** Modes an agent may have turned on that must not outlive the attach (ccmanager's list, plus mouse and the cursor). */
export const RESET_MODES =
  "\x1b[r" + // scroll region
  "\x1b[<u" + // kitty keyboard: pop
  "\x1b[>4;0m" + // modifyOtherKeys off
  "\x1b[?1004l" + // focus reporting
  "\x1b[?2004l" + // bracketed paste
  "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l" + // mouse
  "\x1b[?25h\x1b[0m";

export interface AttachIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** One status line shown at the bottom while attached (agent-deck users asked to see status while attached). */
  status(): string;
}

/** Splits typed bytes at the detach key: what goes to the agent, and whether to detach. */
export function splitDetach(chunk: string): { forward: string; detach: boolean } {
  const i = chunk.indexOf(DETACH_KEY);
  const k = chunk.indexOf(DETACH_KITTY);
  const at = i === -1 ? k : k === -1 ? i : Math.min(i, k);
  return at === -1 ? { forward: chunk, detach: false } : { forward: chunk.slice(0, at), detach: true };
}

/**
 * Hands the terminal to a runtime: its screen is replayed, its output streamed, every key
 * written to its PTY as human input, until the detach key (which the agent never sees) or
 * the runtime's exit. The PTY takes the terminal's size minus the status line while
 * attached and gets its own size back after.
 */
export async function attachRuntime(c: RpcClient, name: string, io: AttachIo): Promise<string> {
  const { stdin, stdout } = io;
  const show = await c.call("runtime.show", { name });
  const size = () => ({ cols: Math.max(2, stdout.columns || 80), rows: Math.max(2, (stdout.rows || 24) - 1) });
  const drawStatus = () => {
    const line = ` ${io.status()} `.slice(0, stdout.columns || 80);
    stdout.write(`\x1b7\x1b[${stdout.rows || 24};1H\x1b[0;7m${line.padEnd(stdout.columns || 80)}\x1b[0m\x1b8`);
  };
  const region = () => stdout.write(`\x1b[1;${size().rows}r`);
  if (show.features.resize) await c.call("runtime.resize", { name, ...size() }).catch(() => {});
  stdout.write("\x1b[0m\x1b[2J\x1b[H");
  region();
  stdout.write("\x1b[2J\x1b[H");
  let finish!: (why: string) => void;
  const done = new Promise<string>((r) => (finish = r));
  const offOut = c.on(RUNTIME_NOTIFICATIONS.output, (p) => {
    if (p.name !== name) return;
    stdout.write(p.reset ? "\x1b[2J\x1b[H" + p.data : p.data);
  });
  const offExit = c.on(RUNTIME_NOTIFICATIONS.exit, (p) => p.name === name && finish(`${name} exited (code ${p.exit_code ?? "-"})`));
  c.onClose(() => finish("connection to swarmd lost"));
  const snap = await c.call("runtime.attach", { name });
  stdout.write(snap.snapshot);
  drawStatus();
  const statusTimer = setInterval(drawStatus, 500);
  const onResize = () => {
    region();
    if (show.features.resize) void c.call("runtime.resize", { name, ...size() }).catch(() => {});
    drawStatus();
  };
  stdout.on("resize", onResize);
  const onData = (d: Buffer | string) => {
    const { forward, detach } = splitDetach(typeof d === "string" ? d : d.toString("utf8"));
    if (forward) void c.call("runtime.input", { name, data: forward, human: true }).catch(() => {});
    if (detach) finish("detached");
  };
  stdin.setRawMode?.(true);
  stdin.on("data", onData);
  stdin.resume();
  const why = await done;
  stdin.off("data", onData);
  stdin.pause();
  clearInterval(statusTimer);
  stdout.off("resize", onResize);
  offOut();
  offExit();
  if (!c.isClosed) {
    await c.call("runtime.detach", { name }).catch(() => {});
    if (show.features.resize) await c.call("runtime.resize", { name, cols: show.cols, rows: show.rows }).catch(() => {});
  }
  // back to a clean alternate screen for the TUI
  stdout.write(RESET_MODES + "\x1b[?1049h\x1b[2J\x1b[H");
  return why;
}
