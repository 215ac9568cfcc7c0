import net from "node:net";
import { encodeAck, encodeFrame, encodeJson, FRAME, FrameReader, type HolderExit, type HolderInfo } from "./holder/frames.js";

export interface HolderEvents {
  info(info: HolderInfo): void;
  replay(chunk: Buffer): void;
  replayEnd(): void;
  data(chunk: Buffer): void;
  exit(exit: HolderExit): void;
  /** the connection ended (holder gone, or it took another daemon) */
  close(): void;
}

/** The daemon's end of one holder connection. */
export class HolderLink {
  private constructor(private readonly sock: net.Socket) {}

  /** Connects, or rejects with the socket error (ENOENT/ECONNREFUSED: the holder is gone). */
  static connect(socketPath: string, events: HolderEvents): Promise<HolderLink> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(socketPath);
      const reader = new FrameReader((type, payload) => {
        switch (type) {
          case FRAME.INFO:
            return events.info(JSON.parse(payload.toString()) as HolderInfo);
          case FRAME.REPLAY:
            return events.replay(payload);
          case FRAME.REPLAY_END:
            return events.replayEnd();
          case FRAME.DATA:
            return events.data(payload);
          case FRAME.EXIT:
            return events.exit(JSON.parse(payload.toString()) as HolderExit);
        }
      });
      sock.once("connect", () => {
        sock.off("error", reject);
        sock.on("error", () => {});
        sock.on("close", () => events.close());
        resolve(new HolderLink(sock));
      });
      sock.once("error", reject);
      sock.on("data", (c: Buffer) => {
        try {
          reader.push(c);
        } catch {
          sock.destroy();
        }
      });
    });
  }

  get closed(): boolean {
    return this.sock.destroyed;
  }
  ack(n: number): void {
    if (!this.sock.destroyed) this.sock.write(encodeAck(n));
  }
  input(data: Buffer | string): void {
    if (!this.sock.destroyed) this.sock.write(encodeFrame(FRAME.INPUT, data));
  }
  resize(cols: number, rows: number): void {
    if (!this.sock.destroyed) this.sock.write(encodeJson(FRAME.RESIZE, { cols, rows }));
  }
  signal(signal: string): void {
    if (!this.sock.destroyed) this.sock.write(encodeJson(FRAME.SIGNAL, { signal }));
  }
  release(): void {
    if (!this.sock.destroyed) this.sock.end(encodeFrame(FRAME.RELEASE));
  }
  close(): void {
    this.sock.destroy();
  }
}
