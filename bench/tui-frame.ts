import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";

/** CPU (ms) per frame of one kind, in one mode. */
export interface FrameCost {
  /** Every pane's screen changed. */
  all: number;
  /** One pane's screen changed. */
  one: number;
  /** A key moved the focus (the chrome changes: Ink draws a frame). */
  key: number;
  /** Bytes written to the terminal per frame, all panes changed. */
  bytesAll: number;
}

/**
 * CPU per frame of the TUI itself, in this process: the real App over a store holding 16
 * runtimes at 200x60, each step changing every pane's screen (or one, or moving the focus),
 * rendered by Ink into a terminal-like stdout that drops the bytes; `painted` as the TUI runs
 * (pane bodies painted outside Ink, the fast cell grid), else Ink as it comes drawing the
 * bodies (as before issue 13's work). Less sensitive to a loaded host than the fps figure.
 */
export async function frameCost(painted: boolean, panes = 16, steps = 60): Promise<FrameCost> {
  process.env.NODE_ENV ??= "production";
  const React = (await import("react")).default;
  const { render } = await import("ink");
  const { App } = await import("../tui/components/app.js");
  const { createStore } = await import("../tui/state/store.js");
  const { feedPainter, PanePainter } = await import("../tui/render/pane-painter.js");
  const { paintingStdout } = await import("../tui/render/frame-stream.js");
  const { installFastOutput } = await import("../tui/render/fast-output.js");
  const restoreInk = await installFastOutput();
  if (!painted) restoreInk();
  let bytes = 0;
  const out = Object.assign(new EventEmitter(), {
    columns: 200,
    rows: 60,
    isTTY: true,
    write: (s: string) => ((bytes += s.length), true),
  }) as unknown as NodeJS.WriteStream;
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {}, ref: () => {}, unref: () => {} });
  const store = createStore();
  const names = Array.from({ length: panes }, (_, i) => `p${i}`);
  const rt = (name: string) => ({ ...RUNTIME, id: name, name });
  store.dispatch({ type: "data/loaded", patch: { runtimes: names.map(rt) } });
  const screen = (k: number) => ({
    ansi: Array.from({ length: 23 }, (_, j) => `\x1b[32msteady\x1b[0m ${k * 23 + j} ${"x".repeat(40)}`).join("\r\n") + "\r\n> ",
    cols: 80,
    rows: 24,
    at: k,
  });
  // a high cap so that every step is drawn: this measures CPU per frame, not the cap
  const painter = painted ? new PanePainter({ write: (s) => out.write(s), screens: () => store.getState().data.screens, maxFps: 1000 }) : undefined;
  const unsub = painter ? feedPainter(store, painter) : () => {};
  const app = React.createElement(App, { store, fx: { rpc() {}, attach() {}, quit() {} }, ...(painter ? { painter } : {}) });
  const ink = render(app, {
    stdout: painter ? paintingStdout(out, painter) : out,
    stdin: stdin as unknown as NodeJS.ReadStream,
    patchConsole: false,
    exitOnCtrlC: false,
    maxFps: 1000,
  });
  const settle = () => new Promise((r) => setTimeout(r, 4));
  const measure = async (step: (k: number) => void) => {
    await settle();
    const b0 = bytes;
    const c0 = process.cpuUsage();
    for (let k = 0; k < steps; k++) {
      step(k);
      await settle();
    }
    const c = process.cpuUsage(c0);
    return { ms: (c.user + c.system) / 1000 / steps, bytes: (bytes - b0) / steps };
  };
  let k0 = 0;
  const change = (n: number) => (k: number) =>
    store.dispatch({ type: "data/screens", screens: Object.fromEntries(names.slice(0, n).map((name, i) => [name, screen(k0 + k + i)])) });
  try {
    await measure(change(panes)); // warm up
    k0 += steps;
    const all = await measure(change(panes));
    k0 += steps;
    const one = await measure(change(1));
    const key = await measure((k) => store.dispatch({ type: "ui/select", view: "agents", index: k % panes }));
    return { all: all.ms, one: one.ms, key: key.ms, bytesAll: all.bytes };
  } finally {
    unsub();
    painter?.stop();
    ink.unmount();
    restoreInk();
  }
}

const RUNTIME = {
  environment: null,
  cwd: "/",
  agent: "custom" as const,
  command: [],
  session_id: null,
  pid: 1,
  holder_pid: 1,
  pty_backend: "holder",
  target: null,
  management: "managed" as const,
  state: "working" as const,
  why: "output within 1000 ms",
  exit_code: null,
  exit_signal: null,
  cols: 80,
  rows: 24,
  bytes_out: 0,
  heartbeat_at: null,
  last_output_at: null,
  last_human_input_at: null,
  created_at: "",
  updated_at: "",
  exited_at: null,
};
