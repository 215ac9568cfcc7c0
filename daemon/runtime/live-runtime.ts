import { StringDecoder } from "node:string_decoder";
import { RUNTIME_NOTIFICATIONS } from "../../protocol/methods/runtime.js";
import type { Connection } from "../rpc/handler.js";
import type { HolderExit, HolderInfo } from "./holder/frames.js";
import { OutputRing } from "./holder/ring.js";
import type { HolderLink } from "./holder-link.js";
import type { RuntimeRow } from "./registry.js";
import { QueryStripper } from "./query-strip.js";
import type { DetectFn } from "./state-detector.js";
import { TerminalModel } from "./terminal-model.js";

interface Viewer {
  /** fell behind (socket backed up): skip output, send a fresh snapshot on drain */
  stale: boolean;
  drainHooked: boolean;
}

export type OutputListener = (text: string) => void;

/**
 * Output nobody watches waits unparsed, at most this much: past it only the tail is parsed
 * (from a line start, the modes in force set first), as after a restart from the holder's
 * ring. Enough to rebuild the screen and thousands of scrollback lines.
 */
const BACKLOG_BYTES = 512 * 1024;
/** CSI …c, n, u, q, $p (device attributes, status and cursor reports, keyboard protocol, version, mode requests) and OSC …? (colour queries) */
const TERMINAL_QUERY = /\x1b\[[?>=]?[\d;]*(?:[cnuq]|\$p)|\x1b\][\d;]*\?/;

/**
 * A runtime the daemon currently holds a link to: its terminal model, the viewers attached
 * to it, and whoever waits on its output or exit. Output reaches viewers and listeners only
 * after the terminal model has parsed it, so a snapshot plus the stream that follows it is
 * always exactly the program's output, nothing missed, nothing twice.
 *
 * Parsing is most of the daemon's cost per byte, so a screen nobody watches (no viewer, no
 * listener) is parsed lazily: output is acknowledged on arrival and kept in a bounded
 * backlog, and whoever reads the screen (the state detector after its debounce, screen,
 * send, attach, the exit) first calls `settled()`, which parses the backlog.
 */
export class LiveRuntime {
  model: TerminalModel;
  link: HolderLink | null = null;
  lastOutputMs = Date.now();
  exit: HolderExit | null = null;
  /** the holder sent everything it kept; live output follows */
  replayed = false;
  /**
   * The model's replies to terminal queries go to the program. Off while an adopted
   * runtime's replay is parsed: those queries were asked of the previous daemon long ago.
   */
  private answering = false;
  private readonly stripper = new QueryStripper();
  private readonly viewers = new Map<Connection, Viewer>();
  private readonly listeners = new Set<OutputListener>();
  private readonly exitWaiters = new Set<() => void>();
  private decoder = new StringDecoder("utf8");
  /** output went undecoded (nobody listened): the next taker starts a fresh decoder */
  private decoderIdle = false;
  /** serialises text deliveries so two sends never interleave */
  sendChain: Promise<unknown> = Promise.resolve();
  onOutput: () => void = () => {};
  /** the agent's state detector, resolved once */
  detect: DetectFn | null = null;
  onExit: (exit: HolderExit) => void = () => {};

  constructor(
    public row: RuntimeRow,
    private readonly scrollback: number,
  ) {
    this.model = this.newModel(row.cols, row.rows);
  }

  private newModel(cols: number, rows: number): TerminalModel {
    return new TerminalModel(cols, rows, this.scrollback, (data) => {
      if (this.answering && !this.exited) this.link?.input(data);
    });
  }

  /**
   * The replay has arrived. A fresh runtime's replay is its first output (queries included,
   * asked a moment ago): answer it. An adopted one's is history: answer only what follows.
   */
  replayDone(fresh: boolean): void {
    this.replayed = true;
    if (fresh) this.answering = true;
    else this.model.write("", () => (this.answering = true));
  }

  get exited(): boolean {
    return this.exit !== null;
  }

  /** A fresh connection to the holder: rebuild the model from its replay. */
  resetFrom(info: HolderInfo): void {
    this.model.dispose();
    this.answering = false;
    this.model = this.newModel(info.cols, info.rows);
    this.row.cols = info.cols;
    this.row.rows = info.rows;
    this.row.bytes_out = info.total_bytes;
    this.replayed = false;
    this.backlog = null;
  }

  replay(chunk: Buffer): void {
    // A fresh runtime's first output can come as replay (printed before the daemon linked up); after an adoption the recorded time stands.
    if (chunk.length > 0) this.row.last_output_at ??= new Date(this.lastOutputMs).toISOString();
    this.model.write(chunk);
  }

  /**
   * Live output: parse, then acknowledge to the holder and fan out. Chunks that arrive in
   * the same turn of the event loop are parsed as one write: xterm parses 64 KB writes about
   * half again as fast as the 4 KB reads a PTY delivers.
   */
  data(chunk: Buffer): void {
    this.lastOutputMs = Date.now();
    // live, not only at the next heartbeat: `runtime list` shows OUTPUT next to a WHY computed from this same moment
    this.row.last_output_at = new Date(this.lastOutputMs).toISOString();
    this.row.bytes_out += chunk.length;
    if (!this.watched) {
      (this.backlog ??= new OutputRing(BACKLOG_BYTES)).push(chunk);
      this.link?.ack(chunk.length);
      this.decoderIdle = true;
      // a program asking the terminal something (cursor position, colours…) waits for the answer: parse now
      if (chunk.includes(0x1b) && TERMINAL_QUERY.test(chunk.toString("latin1"))) void this.settled();
      this.onOutput();
      return;
    }
    // watched again: what waited unparsed goes first
    if (this.backlog) void this.settled();
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= 256 * 1024) this.flush();
    else this.flushTimer ??= setImmediate(() => this.flush());
  }

  /** output not parsed yet because nobody watched; null when there is none */
  private backlog: OutputRing | null = null;
  /** attaches under way: output from now on is parsed at once, so the snapshot plus the stream is exact */
  private attaching = 0;

  private get watched(): boolean {
    return this.viewers.size > 0 || this.listeners.size > 0 || this.attaching > 0;
  }

  /**
   * Resolves once everything received is parsed, so the model shows the screen as it is
   * (an empty backlog costs nothing). A backlog that overflowed rebuilds the model from its tail.
   */
  settled(): Promise<void> {
    const b = this.backlog;
    if (!b) return Promise.resolve();
    this.backlog = null;
    if (b.wasTrimmed) {
      const { cols, rows } = this.model;
      this.model.dispose();
      this.model = this.newModel(cols, rows);
    }
    const chunks = b.replay();
    return new Promise((resolve) => this.model.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), resolve));
  }

  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushTimer: NodeJS.Immediate | null = null;

  private flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.model.write(buf, () => {
      this.link?.ack(buf.length);
      // Decoding costs as much as a tenth of the parse: only when someone takes the text.
      if (this.listeners.size || this.viewers.size) {
        const text = this.decoder.write(buf);
        if (text) this.fanOut(text);
      } else this.decoderIdle = true;
      this.onOutput();
    });
  }

  /** The holder reported the exit after the drained output; act once the model has parsed it. */
  exited_(exit: HolderExit): void {
    this.flush();
    void this.settled();
    this.model.write("", () => {
      this.exit = exit;
      for (const [conn] of this.viewers) conn.notify(RUNTIME_NOTIFICATIONS.exit, { name: this.row.name, exit_code: exit.exit_code, exit_signal: exit.signal });
      this.viewers.clear();
      for (const w of this.exitWaiters) w();
      this.exitWaiters.clear();
      this.onExit(exit);
    });
  }

  waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exit) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        resolve(true);
      };
      const t = setTimeout(() => {
        this.exitWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      this.exitWaiters.add(done);
    });
  }

  /** Before the first taker after output nobody decoded: a fresh decoder, not a stale partial sequence. */
  private wakeDecoder(): void {
    if (!this.decoderIdle || this.listeners.size || this.viewers.size) return;
    this.decoder = new StringDecoder("utf8");
    this.decoderIdle = false;
  }

  listen(fn: OutputListener): () => void {
    this.wakeDecoder();
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A new viewer: the snapshot of everything so far; live output follows it, exactly. */
  async attach(conn: Connection): Promise<string> {
    if (this.viewers.has(conn)) return this.model.snapshot();
    this.wakeDecoder();
    this.attaching++;
    try {
      await this.settled();
      // Output that arrived meanwhile is queued behind the backlog; the viewer joins before its parse ends.
      this.viewers.set(conn, { stale: false, drainHooked: false });
      conn.onClose(() => this.viewers.delete(conn));
      return this.model.snapshot();
    } finally {
      this.attaching--;
    }
  }

  detach(conn: Connection): boolean {
    return this.viewers.delete(conn);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  private fanOut(text: string): void {
    for (const fn of this.listeners) fn(text);
    // viewers' terminals must not answer what the model already answered (query-strip.ts)
    const shown = this.stripper.strip(text);
    if (!shown) return;
    for (const [conn, v] of this.viewers) {
      if (v.stale) continue;
      if (conn.isBackedUp()) {
        // Never queue unbounded output for a slow viewer: drop it and resync from a snapshot.
        v.stale = true;
        if (!v.drainHooked) {
          v.drainHooked = true;
          conn.onDrain(() => {
            if (!v.stale || !this.viewers.has(conn)) return;
            v.stale = false;
            conn.notify(RUNTIME_NOTIFICATIONS.output, { name: this.row.name, reset: true, data: this.model.snapshot() });
          });
        }
        continue;
      }
      conn.notify(RUNTIME_NOTIFICATIONS.output, { name: this.row.name, data: shown });
    }
  }

  dispose(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.link?.close();
    this.model.dispose();
  }
}
