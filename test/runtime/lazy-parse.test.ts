import { describe, expect, it } from "vitest";
import type { Connection } from "../../daemon/rpc/handler.js";
import { LiveRuntime } from "../../daemon/runtime/live-runtime.js";
import { newRow } from "../../daemon/runtime/registry.js";
import { TerminalModel } from "../../daemon/runtime/terminal-model.js";

const COLS = 80;
const ROWS = 24;

function runtime(): LiveRuntime {
  const row = newRow({ name: "lazy", agent: "custom", command: ["x"], pty_backend: "holder", management: "managed", state: "working", why: "" });
  Object.assign(row, { cols: COLS, rows: ROWS });
  return new LiveRuntime(row, 2000);
}

/** numbered lines, as a program would print them (CRLF from the PTY) */
function lines(from: number, to: number): Buffer {
  let s = "";
  for (let i = from; i < to; i++) s += `line ${String(i).padStart(8, "0")} ${"x".repeat(40)}\r\n`;
  return Buffer.from(s);
}

/** What a terminal fed every byte shows: the reference the lazy model must equal. */
async function reference(data: Buffer[]): Promise<string[]> {
  const m = new TerminalModel(COLS, ROWS, 2000);
  await new Promise<void>((r) => m.write(Buffer.concat(data), r));
  const v = m.view().lines;
  m.dispose();
  return v;
}

/** The edge a viewer is reached through: records the notifications it is sent. */
class RecordingConnection implements Connection {
  readonly id = 1;
  client = null;
  protocolVersion = null;
  readonly closed = false;
  sent: { method: string; params: { data?: string; reset?: boolean } }[] = [];
  notify(method: string, params: unknown): boolean {
    this.sent.push({ method, params: params as { data?: string } });
    return true;
  }
  isBackedUp(): boolean {
    return false;
  }
  onDrain(): void {}
  onClose(): void {}
}

describe("lazy parsing of screens nobody watches", () => {
  it("output waits unparsed until the screen is read; then the screen equals a terminal fed every byte", async () => {
    const rt = runtime();
    const chunks = [Buffer.from("\x1b[?2004h"), lines(0, 100), lines(100, 200)];
    for (const c of chunks) rt.data(c);
    // nothing parsed yet: the model is still blank
    expect(rt.model.view().lines.join("")).toBe("");
    await rt.settled();
    expect(rt.model.view().lines).toEqual(await reference(chunks));
    expect(rt.model.view().bracketedPaste).toBe(true);
    expect(rt.row.bytes_out).toBe(chunks.reduce((n, c) => n + c.length, 0));
    rt.dispose();
  });

  it("a backlog past its cap is rebuilt from its tail: same screen, modes set before the tail kept", async () => {
    const rt = runtime();
    const chunks = [Buffer.from("\x1b[?2004h"), ...Array.from({ length: 40 }, (_, k) => lines(k * 1000, (k + 1) * 1000))]; // ~2.4 MB
    for (const c of chunks) rt.data(c);
    await rt.settled();
    expect(rt.model.view().lines).toEqual(await reference(chunks));
    expect(rt.model.view().bracketedPaste).toBe(true);
    // the scrollback still reaches back thousands of lines
    expect(rt.model.scrollback(2000)[0]).toMatch(/^line 000379\d\d/);
    rt.dispose();
  });

  it("a viewer attaching mid-stream: its snapshot plus the output it is sent rebuild exactly the program's screen", async () => {
    const rt = runtime();
    const before = [lines(0, 300), lines(300, 600)];
    for (const c of before) rt.data(c);
    const conn = new RecordingConnection();
    const attaching = rt.attach(conn);
    // output that arrives while the attach settles the backlog
    const during = lines(600, 650);
    rt.data(during);
    const snapshot = await attaching;
    const after = [lines(650, 700), Buffer.from("tail \x1b[1mbold\x1b[0m")];
    for (const c of after) rt.data(c);
    await new Promise<void>((r) => rt.model.write("", r));
    const viewer = new TerminalModel(COLS, ROWS, 2000);
    const streamed = conn.sent.filter((n) => n.params.data !== undefined).map((n) => n.params.data!);
    await new Promise<void>((r) => viewer.write(snapshot + streamed.join(""), r));
    expect(viewer.view().lines).toEqual(await reference([...before, during, ...after]));
    viewer.dispose();
    rt.dispose();
  });
});
