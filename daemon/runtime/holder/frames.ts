/**
 * The wire between the daemon and a PTY holder: length-prefixed binary frames, so terminal
 * output crosses as raw bytes (no base64, no JSON escaping on the hot path).
 * Layout: u32 big-endian length of (type + payload), u8 type, payload.
 */

export const FRAME = {
  /** holder → daemon, JSON HolderInfo; first frame on every connection */
  INFO: 1,
  /** holder → daemon, raw bytes replayed from the ring (what the holder kept before this connection) */
  REPLAY: 2,
  /** holder → daemon, raw bytes live from the PTY */
  DATA: 3,
  /** holder → daemon, JSON HolderExit; the PTY is drained and the child has exited */
  EXIT: 4,
  /** daemon → holder, u32 count of DATA bytes processed (flow control) */
  ACK: 10,
  /** daemon → holder, raw bytes to write to the PTY */
  INPUT: 11,
  /** daemon → holder, JSON {cols, rows} */
  RESIZE: 12,
  /** daemon → holder, JSON {signal} */
  SIGNAL: 13,
  /** daemon → holder, empty; the daemon has recorded the exit, the holder may leave */
  RELEASE: 14,
  /** holder → daemon, empty; REPLAY is complete and live DATA follows */
  REPLAY_END: 5,
} as const;

export type FrameType = (typeof FRAME)[keyof typeof FRAME];

/**
 * The version of this protocol a holder speaks, sent in INFO. 1: holders from before the
 * field existed (the same frames, no `protocol` in INFO). 2: INFO names `protocol` and
 * `holder`. A daemon links to holders of any version from 1 up to its own and refuses a
 * newer one (it cannot know that holder's frames); the native holder's PROTOCOL must match.
 */
export const HOLDER_PROTOCOL = 2;
export const OLDEST_HOLDER_PROTOCOL = 1;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt32BE(body.length + 1, 0);
  out.writeUInt8(type, 4);
  body.copy(out, 5);
  return out;
}

export function encodeJson(type: number, value: unknown): Buffer {
  return encodeFrame(type, JSON.stringify(value));
}

export function encodeAck(count: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(Math.min(count, 0xffffffff), 0);
  return encodeFrame(FRAME.ACK, b);
}

/** Frames larger than this are a protocol error (the holder never sends more than one read). */
const MAX_FRAME = 16 * 1024 * 1024;

/** Splits a byte stream into frames; keeps partial frames between chunks. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let off = 0;
    while (this.buf.length - off >= 5) {
      const len = this.buf.readUInt32BE(off);
      if (len < 1 || len > MAX_FRAME) throw new Error(`bad frame length ${len}`);
      if (this.buf.length - off < 4 + len) break;
      const type = this.buf.readUInt8(off + 4);
      const payload = this.buf.subarray(off + 5, off + 4 + len);
      off += 4 + len;
      this.onFrame(type, payload);
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
  }
}

/** What a holder tells the daemon when it connects. */
export interface HolderInfo {
  id: string;
  holder_pid: number;
  child_pid: number;
  cols: number;
  rows: number;
  /** bytes the PTY produced since start */
  total_bytes: number;
  /** the child has exited (the EXIT frame follows the replay) */
  exited: boolean;
  started_at: string;
  /** protocol version (HOLDER_PROTOCOL); absent from version-1 holders */
  protocol?: number;
  /** which holder program: "node" (holder/main.ts) or "native" (holder/native/) */
  holder?: "node" | "native";
}

export interface HolderExit {
  exit_code: number | null;
  signal: number | null;
  total_bytes: number;
  exited_at: string;
}

/** What the daemon gives a holder to start: written to a JSON file passed as argv[2]. */
export interface HolderSpec {
  id: string;
  socket: string;
  /** where the holder writes exit.json and its own log */
  dir: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  ring_bytes: number;
  high_watermark: number;
  low_watermark: number;
  recording: { dir: string; max_bytes: number; keep: number } | null;
  /** values replaced by `********` in everything the holder records, keeps and serves */
  redact?: string[];
}

/**
 * The spec as the native holder reads it on stdin: `key=value` records, each ended by a NUL
 * (argv, environment and paths cannot hold a NUL, so no escaping is needed); `arg`, `env` and
 * `redact` repeat in order. The parser is holder/native/spec.c.
 */
export function encodeNativeSpec(spec: HolderSpec): Buffer {
  const rec: string[] = [];
  const put = (k: string, v: string | number) => {
    const s = String(v);
    if (s.includes("\0")) throw new Error(`holder spec field ${k} contains a NUL byte`);
    rec.push(`${k}=${s}\0`);
  };
  put("id", spec.id);
  put("socket", spec.socket);
  put("dir", spec.dir);
  put("cwd", spec.cwd);
  put("command_line", spec.command.join(" "));
  put("cols", spec.cols);
  put("rows", spec.rows);
  put("ring_bytes", spec.ring_bytes);
  put("high_watermark", spec.high_watermark);
  put("low_watermark", spec.low_watermark);
  if (spec.recording) {
    put("rec_dir", spec.recording.dir);
    put("rec_max_bytes", spec.recording.max_bytes);
    put("rec_keep", spec.recording.keep);
  }
  for (const a of spec.command) put("arg", a);
  for (const [k, v] of Object.entries(spec.env)) put("env", `${k}=${v}`);
  for (const r of spec.redact ?? []) if (r) put("redact", r);
  return Buffer.from(rec.join(""), "utf8");
}
