import net from "node:net";
import { deadlineMs } from "./deadline.js";

/** A raw newline-JSON connection for protocol tests: send text, await parsed frames. */
export class RawConn {
  private buf = "";
  private frames: unknown[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.buf += d.toString("utf8");
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line.trim()) this.frames.push(JSON.parse(line));
      }
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on("error", () => {});
  }

  static open(path: string): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path, () => resolve(new RawConn(s)));
      s.once("error", reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Next frame, or rejects after timeoutMs (by default 5 s scaled for a loaded host). */
  async next(timeoutMs = deadlineMs(5000)): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no frame within " + timeoutMs + " ms");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift();
  }

  /** Sends one request and returns its response (this connection must have nothing else in flight). */
  async request(obj: unknown): Promise<any> {
    this.send(JSON.stringify(obj) + "\n");
    return this.next();
  }

  /** True if no frame arrives within ms (used only to assert a notification gets no reply; bounded). */
  async quietFor(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
