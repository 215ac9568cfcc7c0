import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";

/**
 * CPU per frame of the TUI itself, in this process: the real App over a store holding 16
 * runtimes at 200x60, each step changing every pane's screen (or one), rendered by Ink into
 * a stdout that drops the bytes. Less sensitive to a loaded host than the fps figure.
 */
export async function frameCost(panes = 16, steps = 60): Promise<{ all: number; one: number }> {
  process.env.NODE_ENV ??= "production";
  const React = (await import("react")).default;
  const { render } = await import("ink");
  const { App } = await import("../tui/components/app.js");
  const { createStore } = await import("../tui/state/store.js");
  const out = Object.assign(new EventEmitter(), { columns: 200, rows: 60, isTTY: false, write: () => true });
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
  const ink = render(React.createElement(App, { store, fx: { rpc() {}, attach() {}, quit() {} } }), {
    stdout: out as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  const measure = async (changing: number) => {
    const c0 = process.cpuUsage();
    for (let k = 0; k < steps; k++) {
      store.dispatch({ type: "data/screens", screens: Object.fromEntries(names.slice(0, changing).map((n, i) => [n, screen(k + i)])) });
      await new Promise((r) => setImmediate(r));
    }
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / steps;
  };
  try {
    await measure(panes); // warm up
    return { all: await measure(panes), one: await measure(1) };
  } finally {
    ink.unmount();
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
