import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ERROR_KINDS } from "../../protocol/errors.js";
import { LineSplitter } from "../../protocol/framing.js";
import type { Logger } from "../log/logger.js";
import type { Connection } from "../rpc/handler.js";

/** Write-buffer size above which a connection counts as backed up and reading pauses. */
const HIGH_WATERMARK = 4 * 1024 * 1024;

export interface SocketServerOptions {
  socketPath: string;
  maxFrameBytes: number;
  logger: Logger;
  onFrame(text: string, conn: Connection): Promise<string | null>;
}

/**
 * The only module that touches node:net on the daemon side. Listens on a Unix socket in a
 * 0700 directory with mode 0600, one JSON message per line.
 */
export class SocketServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private nextId = 1;
  inFlight = 0;

  constructor(private readonly opts: SocketServerOptions) {}

  get connectionCount(): number {
    return this.sockets.size;
  }

  async listen(): Promise<void> {
    const { socketPath } = this.opts;
    fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.dirname(socketPath), 0o700);
    const server = net.createServer((s) => this.accept(s));
    this.server = server;
    // umask so the socket is never briefly world-connectable before chmod.
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(socketPath, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    fs.chmodSync(socketPath, 0o600);
  }

  /** Stops accepting connections; existing ones stay until closeAll. */
  stopAccepting(): void {
    // close()'s callback waits for every client to hang up; we don't.
    this.server?.close();
  }

  closeAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private accept(socket: net.Socket): void {
    const id = this.nextId++;
    const log = this.opts.logger.child({ conn: id });
    this.sockets.add(socket);
    const closeFns: (() => void)[] = [];
    const drainFns: (() => void)[] = [];
    let closed = false;
    const send = (text: string): boolean => {
      if (socket.destroyed || !socket.writable) return false;
      const ok = socket.write(text + "\n");
      if (!ok) socket.pause();
      return ok;
    };
    const conn: Connection = {
      id,
      client: null,
      protocolVersion: null,
      notify: (method, params) => send(JSON.stringify({ jsonrpc: "2.0", method, params })),
      isBackedUp: () => socket.writableLength > HIGH_WATERMARK || socket.writableNeedDrain,
      onDrain: (fn) => drainFns.push(fn),
      onClose: (fn) => closeFns.push(fn),
      get closed() {
        return closed;
      },
    };
    socket.on("drain", () => {
      socket.resume();
      for (const fn of drainFns) fn();
    });
    const splitter = new LineSplitter(this.opts.maxFrameBytes);
    socket.on("data", (chunk: Buffer) => {
      splitter.push(chunk, (ev) => {
        if (ev.kind === "oversized") {
          log.warn("oversized frame", { bytes: ev.bytes });
          send(
            JSON.stringify({
              jsonrpc: "2.0",
              id: null,
              error: {
                code: ERROR_KINDS.RESOURCE_EXHAUSTED.rpcCode,
                message: `frame of ${ev.bytes} bytes exceeds the limit of ${this.opts.maxFrameBytes} bytes (config rpc.max_frame_bytes)`,
                data: { kind: "RESOURCE_EXHAUSTED", details: { bytes: ev.bytes, limit: this.opts.maxFrameBytes } },
              },
            }),
          );
          return;
        }
        this.inFlight++;
        this.opts
          .onFrame(ev.text, conn)
          .then((reply) => {
            if (reply !== null) send(reply);
          })
          .catch((err) => log.error("frame handling failed", { error: String(err) }))
          .finally(() => this.inFlight--);
      });
    });
    socket.on("error", (err) => log.debug("socket error", { error: err.message }));
    socket.on("close", () => {
      closed = true;
      this.sockets.delete(socket);
      for (const fn of closeFns) {
        try {
          fn();
        } catch (err) {
          log.error("close hook failed", { error: String(err) });
        }
      }
    });
  }
}
