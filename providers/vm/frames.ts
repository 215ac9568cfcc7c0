/**
 * The frame format shared by the guest agent (guest/agent.c), the host multiplexer and its
 * clients: type u8 | channel u32 BE | length u32 BE | payload. Keep in step with agent.c.
 */
export const F = {
  OPEN: 1,
  STDIN: 2,
  STDIN_EOF: 3,
  RESIZE: 4,
  SIGNAL: 5,
  SEED: 6,
  PING: 7,
  STDOUT: 10,
  STDERR: 11,
  EXIT: 12,
  PONG: 13,
} as const;

export interface Frame {
  type: number;
  chan: number;
  payload: Buffer;
}

export function encodeFrame(type: number, chan: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUInt8(type, 0);
  h.writeUInt32BE(chan >>> 0, 1);
  h.writeUInt32BE(payload.length, 5);
  return Buffer.concat([h, payload]);
}

/** Splits a byte stream into frames; feed it chunks as they arrive. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (f: Frame) => void) {}
  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let off = 0;
    while (this.buf.length - off >= 9) {
      const len = this.buf.readUInt32BE(off + 5);
      if (this.buf.length - off < 9 + len) break;
      this.onFrame({
        type: this.buf.readUInt8(off),
        chan: this.buf.readUInt32BE(off + 1),
        payload: this.buf.subarray(off + 9, off + 9 + len),
      });
      off += 9 + len;
    }
    this.buf = this.buf.subarray(off);
  }
}

export interface OpenSpec {
  pty: boolean;
  rows?: number;
  cols?: number;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

export function encodeOpen(s: OpenSpec): Buffer {
  for (const a of s.argv) if (a.includes("\0")) throw new Error("argument contains a NUL byte");
  const fields = [
    s.pty ? "pty" : "pipe",
    String(s.rows ?? 24),
    String(s.cols ?? 80),
    s.cwd,
    String(s.argv.length),
    ...s.argv,
    ...Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
  ];
  return Buffer.from(fields.map((f) => f + "\0").join(""));
}

export function decodeExit(p: Buffer): { code: number; signal: number } {
  return { code: p.readInt32BE(0), signal: p.readInt32BE(4) };
}

export function encodeResize(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(rows, 0);
  b.writeUInt16BE(cols, 2);
  return b;
}
