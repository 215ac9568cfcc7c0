/**
 * Talks to a VM's multiplexer socket: one connection per command. Used by the provider for
 * exec and readiness, and by pty-client.ts for interactive sessions.
 */
import net from "node:net";
import { SwarmError } from "../../protocol/errors.js";
import { F, FrameReader, decodeExit, encodeFrame, encodeOpen, type OpenSpec } from "./frames.js";

export interface AgentExecResult {
  exitCode: number;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
}

const SIGNAL_NAMES: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 9: "SIGKILL", 13: "SIGPIPE", 15: "SIGTERM" };

export function signalName(n: number): string | null {
  return n === 0 ? null : (SIGNAL_NAMES[n] ?? `SIG${n}`);
}

export function connectMux(sock: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    s.once("connect", () => {
      s.removeAllListeners("error");
      resolve(s);
    });
    s.once("error", reject);
  });
}

/** One round trip through mux and guest agent; resolves false when it does not answer in time. */
export async function ping(sock: string, timeoutMs: number): Promise<boolean> {
  let s: net.Socket;
  try {
    s = await connectMux(sock);
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    const r = new FrameReader((f) => {
      if (f.type === F.PONG) {
        clearTimeout(timer);
        s.end();
        resolve(true);
      }
    });
    s.on("data", (d: Buffer) => r.push(d));
    s.on("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
    s.on("close", () => {
      clearTimeout(timer);
      resolve(false);
    });
    s.write(encodeFrame(F.PING, 0, Buffer.from("p")));
  });
}

/** Sends random bytes for the guest to mix into its RNG (a restored template shares its state). */
export async function seed(sock: string, bytes: Buffer): Promise<void> {
  const s = await connectMux(sock);
  await new Promise<void>((resolve) => s.end(encodeFrame(F.SEED, 0, bytes), () => resolve()));
}

export async function execInGuest(
  sock: string,
  spec: Omit<OpenSpec, "pty">,
  opts: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<AgentExecResult> {
  const s = await connectMux(sock);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  return new Promise((resolve, reject) => {
    let done = false;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            done = true;
            s.destroy(); // the mux kills the command when its connection drops
            reject(
              new SwarmError("TIMEOUT", `command \`${spec.argv.join(" ")}\` did not finish within ${opts.timeoutMs} ms`, {
                hint: "raise timeoutMs or look at what the command waits for",
              }),
            );
          }, opts.timeoutMs)
        : undefined;
    const r = new FrameReader((f) => {
      if (f.type === F.STDOUT) out.push(Buffer.from(f.payload));
      else if (f.type === F.STDERR) err.push(Buffer.from(f.payload));
      else if (f.type === F.EXIT) {
        done = true;
        if (timer) clearTimeout(timer);
        const x = decodeExit(f.payload);
        s.end();
        resolve({
          exitCode: x.signal ? 128 + x.signal : x.code,
          signal: signalName(x.signal),
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(err),
        });
      }
    });
    s.on("data", (d: Buffer) => r.push(d));
    s.on("close", () => {
      if (done) return;
      if (timer) clearTimeout(timer);
      reject(
        new SwarmError("UNAVAILABLE", "the VM's agent connection closed before the command finished", { hint: "check the VM with `swarmctl env show NAME`" }),
      );
    });
    s.write(encodeFrame(F.OPEN, 0, encodeOpen({ ...spec, pty: false })));
    if (opts.input !== undefined) {
      const buf = Buffer.isBuffer(opts.input) ? opts.input : Buffer.from(opts.input);
      for (let i = 0; i < buf.length; i += 65536) s.write(encodeFrame(F.STDIN, 0, buf.subarray(i, i + 65536)));
    }
    s.write(encodeFrame(F.STDIN_EOF, 0));
  });
}
