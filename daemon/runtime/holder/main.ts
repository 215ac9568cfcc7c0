import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import pty from "node-pty";
import { pidAlive } from "../../../protocol/os.js";
import { redactText, StreamRedactor } from "../../secrets/redactor.js";
import { CastRecorder } from "./recorder.js";
import { OutputRing } from "./ring.js";
import { encodeFrame, encodeJson, FRAME, FrameReader, HOLDER_PROTOCOL, type HolderExit, type HolderInfo, type HolderSpec } from "./frames.js";

/**
 * The PTY holder: one small process per runtime, started detached by the daemon, so the
 * agent survives the daemon. It owns the node-pty PTY, records the output (asciicast),
 * keeps a ring of recent output to rebuild the screen, and serves one daemon connection at
 * a time on its Unix socket. It leaves once the child has exited and a daemon has taken
 * the exit (RELEASE), or when no daemon collected it within a day.
 */

// A dead child produces no more output; once nothing has arrived for this long after its
// exit, everything the kernel buffered has been read.
const DRAIN_QUIET_MS = 60;
const UNCOLLECTED_EXIT_LINGER_MS = 24 * 3600 * 1000;
// A held tail that may start a secret is given up after this long without the rest arriving
// (a value written at once arrives in consecutive reads; only a trickle can outwait this).
const REDACT_HOLD_MS = 100;

// The daemon pipes the spec on stdin ("-"); a path is accepted for debugging by hand.
const specSource = process.argv[2] === "-" || process.argv[2] === undefined ? 0 : process.argv[2];
const spec = JSON.parse(fs.readFileSync(specSource, "utf8")) as HolderSpec;
const logFile = path.join(spec.dir, "holder.log");
const log = (msg: string) => fs.appendFileSync(logFile, `${new Date().toISOString()} ${msg}\n`);
const startedAt = new Date().toISOString();

// a secret given in argv stays out of the recording's header and the holder's log too
const commandLine = redactText(spec.command.join(" "), spec.redact ?? []);
const ring = new OutputRing(spec.ring_bytes);
const redactor = new StreamRedactor(spec.redact ?? []);
let holdTimer: NodeJS.Timeout | null = null;
const recorder = spec.recording ? new CastRecorder(spec.recording.dir, spec.recording.max_bytes, spec.recording.keep, spec.cols, spec.rows, commandLine) : null;

let total = 0;
let cols = spec.cols;
let rows = spec.rows;
let exit: HolderExit | null = null;
let conn: net.Socket | null = null;
let unacked = 0;
let paused = false;
let draining = false;

const child = pty.spawn(spec.command[0]!, spec.command.slice(1), {
  name: "xterm-256color",
  cols,
  rows,
  cwd: spec.cwd,
  env: spec.env,
  encoding: null,
});
fs.writeFileSync(path.join(spec.dir, "holder.pid"), `${process.pid} ${child.pid}\n`);

// Drain before exit: node-pty loses the tail of fast output when the child exits at once,
// because the slave's hangup ends the master's reads while data is still queued. Holding
// our own descriptor on the slave keeps the master readable; node-pty's exit timer would
// destroy the socket 200 ms after the child dies, so we defer that until the output has
// gone quiet, then close our slave descriptor and let the socket close normally.
const internals = child as unknown as { ptsName: string; _socket: { destroy(): void; pause(): void; resume(): void } };
let slaveFd: number | null = null;
try {
  slaveFd = fs.openSync(internals.ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
} catch (err) {
  log(`cannot hold the slave ${internals.ptsName} open (${String(err)}); exit drain is best effort`);
}
const socketDestroy = internals._socket.destroy.bind(internals._socket);
let lastDataAt = Date.now();
function startDrain(): void {
  if (draining) return;
  draining = true;
  clearInterval(reapWatch);
  // Flow control no longer matters: the remaining bytes are bounded by the kernel buffer.
  setPaused(false);
  // The quiet period starts now: while paused nothing was read, so an old lastDataAt would
  // close the slave at once and lose what the kernel still holds (seen on a loaded host).
  lastDataAt = Date.now();
  const check = () => {
    if (Date.now() - lastDataAt < DRAIN_QUIET_MS) return void setTimeout(check, DRAIN_QUIET_MS / 3);
    if (slaveFd === null) return socketDestroy();
    const fd = slaveFd;
    slaveFd = null;
    // The master now sees the hangup and node-pty closes the socket; destroy is a backstop.
    fs.closeSync(fd);
    setTimeout(socketDestroy, 500).unref();
  };
  check();
}
internals._socket.destroy = () => {
  // Once our slave descriptor is closed, everything has been read: let node-pty close.
  if (draining && slaveFd === null) return socketDestroy();
  startDrain();
};
// node-pty only asks to destroy the socket 200 ms after the child died; notice it sooner.
const reapWatch = setInterval(() => {
  if (Date.now() - lastDataAt < DRAIN_QUIET_MS) return;
  // a zombie counts as dead (protocol/os.ts): its output is all written once it has exited
  if (!pidAlive(child.pid)) startDrain();
}, 50);

child.onData((d) => {
  const raw = d as unknown as Buffer;
  lastDataAt = Date.now();
  total += raw.length;
  emit(redactor.push(raw));
  if (holdTimer) clearTimeout(holdTimer);
  holdTimer = redactor.pending ? setTimeout(() => emit(redactor.flush()), REDACT_HOLD_MS) : null;
});

/** Output as kept and served: already redacted. */
function emit(chunk: Buffer): void {
  if (!chunk.length) return;
  ring.push(chunk);
  recorder?.output(chunk);
  if (conn && !conn.destroyed) {
    outgoing.push(chunk);
    outgoingBytes += chunk.length;
    unacked += chunk.length;
    if (unacked > spec.high_watermark) setPaused(true);
    if (outgoingBytes >= 256 * 1024) sendOutgoing();
    else sendTimer ??= setImmediate(sendOutgoing);
  }
}

// The PTY delivers ~4 KB reads; one frame per event-loop turn means fewer writes and acks.
let outgoing: Buffer[] = [];
let outgoingBytes = 0;
let sendTimer: NodeJS.Immediate | null = null;
function sendOutgoing(): void {
  if (sendTimer) clearImmediate(sendTimer);
  sendTimer = null;
  if (!outgoing.length) return;
  const buf = outgoing.length === 1 ? outgoing[0]! : Buffer.concat(outgoing);
  outgoing = [];
  outgoingBytes = 0;
  if (conn && !conn.destroyed) conn.write(encodeFrame(FRAME.DATA, buf));
}

child.onExit(({ exitCode, signal }) => {
  exit = { exit_code: exitCode, signal: signal ?? null, total_bytes: total, exited_at: new Date().toISOString() };
  if (holdTimer) clearTimeout(holdTimer);
  emit(redactor.flush());
  recorder?.close();
  fs.writeFileSync(path.join(spec.dir, "exit.json"), JSON.stringify(exit) + "\n");
  log(`child exited code=${exitCode} signal=${signal} bytes=${total}`);
  sendOutgoing();
  if (conn && !conn.destroyed) conn.write(encodeJson(FRAME.EXIT, exit));
  setTimeout(() => leave("exit not collected"), UNCOLLECTED_EXIT_LINGER_MS).unref();
});

function setPaused(p: boolean): void {
  if (p === paused) return;
  paused = p;
  if (p && !draining) internals._socket.pause();
  else internals._socket.resume();
}

function info(): HolderInfo {
  return {
    id: spec.id,
    holder_pid: process.pid,
    child_pid: child.pid,
    cols,
    rows,
    total_bytes: total,
    exited: exit !== null,
    started_at: startedAt,
    protocol: HOLDER_PROTOCOL,
    holder: "node",
  };
}

function onFrame(type: number, payload: Buffer): void {
  switch (type) {
    case FRAME.ACK:
      unacked = Math.max(0, unacked - payload.readUInt32BE(0));
      if (unacked < spec.low_watermark) setPaused(false);
      break;
    case FRAME.INPUT:
      if (!exit) child.write(payload as unknown as string);
      break;
    case FRAME.RESIZE: {
      const r = JSON.parse(payload.toString()) as { cols: number; rows: number };
      if (exit || (r.cols === cols && r.rows === rows)) break;
      cols = r.cols;
      rows = r.rows;
      child.resize(cols, rows);
      recorder?.resize(cols, rows);
      break;
    }
    case FRAME.SIGNAL: {
      const s = JSON.parse(payload.toString()) as { signal: string };
      if (!exit) {
        try {
          process.kill(child.pid, s.signal as NodeJS.Signals);
        } catch (err) {
          log(`kill ${s.signal}: ${String(err)}`);
        }
      }
      break;
    }
    case FRAME.RELEASE:
      if (exit) leave("released by the daemon");
      break;
  }
}

const server = net.createServer((sock) => {
  // One daemon at a time: a new connection replaces the old (the old daemon is dead or leaving).
  if (conn && !conn.destroyed) conn.destroy();
  conn = sock;
  unacked = 0;
  // Anything not yet sent is in the ring, which this connection gets as its replay.
  outgoing = [];
  outgoingBytes = 0;
  setPaused(false);
  const reader = new FrameReader(onFrame);
  sock.on("data", (c) => {
    try {
      reader.push(c);
    } catch (err) {
      log(`bad frame from daemon: ${String(err)}`);
      sock.destroy();
    }
  });
  sock.on("error", () => {});
  sock.on("close", () => {
    if (conn === sock) {
      conn = null;
      // Nobody to pace us: keep reading so the agent never blocks; the ring is bounded.
      setPaused(false);
    }
  });
  sock.write(encodeJson(FRAME.INFO, info()));
  for (const c of ring.replay()) sock.write(encodeFrame(FRAME.REPLAY, c));
  sock.write(encodeFrame(FRAME.REPLAY_END));
  if (exit) sock.write(encodeJson(FRAME.EXIT, exit));
});

function leave(reason: string): void {
  log(`leaving: ${reason}`);
  server.close();
  fs.rmSync(spec.socket, { force: true });
  process.exit(0);
}

fs.rmSync(spec.socket, { force: true });
server.listen(spec.socket, () => {
  fs.chmodSync(spec.socket, 0o600);
  log(`holding pid ${child.pid} (${commandLine}) on ${spec.socket}`);
});
process.on("SIGHUP", () => {});
process.on("SIGPIPE", () => {});
process.on("uncaughtException", (err) => log(`uncaught: ${err.stack ?? String(err)}`));
