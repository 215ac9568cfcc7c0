import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { JSONRPCClient, JSONRPCErrorException } from "json-rpc-2.0";
import { isErrorKind, kindForRpcCode, SwarmError, type ErrorKind } from "../protocol/errors.js";
import { LineSplitter } from "../protocol/framing.js";
import { installedEntry } from "../protocol/install.js";
import type { SwarmPaths } from "../protocol/paths.js";
import { DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION_STRING } from "../protocol/version.js";

/** The only module of the CLI and TUI side that touches node:net. */
export class RpcClient {
  private readonly rpc: JSONRPCClient;
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private closeFns: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    this.rpc = new JSONRPCClient((req) => {
      socket.write(JSON.stringify(req) + "\n");
    });
    const splitter = new LineSplitter(64 * DEFAULT_MAX_FRAME_BYTES);
    socket.on("data", (chunk: Buffer) =>
      splitter.push(chunk, (ev) => {
        if (ev.kind !== "frame") return;
        let msg: unknown;
        try {
          msg = JSON.parse(ev.text);
        } catch {
          return;
        }
        const m = msg as { id?: unknown; method?: string; params?: unknown };
        if (m.method && m.id === undefined) {
          for (const fn of this.listeners.get(m.method) ?? []) fn(m.params);
        } else {
          this.rpc.receive(msg as Parameters<JSONRPCClient["receive"]>[0]);
        }
      }),
    );
    socket.on("close", () => {
      this.rpc.rejectAllPendingRequests("connection to swarmd closed");
      for (const fn of this.closeFns) fn();
    });
    socket.on("error", () => {});
  }

  static connect(socketPath: string): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath);
      s.once("connect", () => {
        s.removeAllListeners("error");
        resolve(new RpcClient(s));
      });
      s.once("error", reject);
    });
  }

  async call<R = unknown>(method: string, params?: unknown): Promise<R> {
    try {
      return (await this.rpc.request(method, params as never)) as R;
    } catch (err) {
      throw toSwarmError(err);
    }
  }

  on(method: string, fn: (params: unknown) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  onClose(fn: () => void): void {
    this.closeFns.push(fn);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

export function toSwarmError(err: unknown): SwarmError {
  if (err instanceof SwarmError) return err;
  if (err instanceof JSONRPCErrorException) {
    const data = (err.data ?? {}) as { kind?: unknown; hint?: string; details?: Record<string, unknown> };
    const kind: ErrorKind = isErrorKind(data.kind) ? data.kind : kindForRpcCode(err.code);
    return new SwarmError(kind, err.message, {
      ...(data.hint ? { hint: data.hint } : {}),
      ...(data.details ? { details: data.details } : {}),
    });
  }
  return new SwarmError("UNAVAILABLE", (err as Error)?.message ?? String(err));
}

function daemonEntry(): string {
  return installedEntry(import.meta.url, "daemon-main");
}

async function tryConnect(socketPath: string): Promise<RpcClient | null> {
  try {
    return await RpcClient.connect(socketPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ECONNREFUSED") return null;
    throw new SwarmError("UNAVAILABLE", `cannot connect to ${socketPath}: ${(err as Error).message}`);
  }
}

/** Starts `swarmd --foreground` detached; resolves once it answers on its socket. */
export async function startDaemon(paths: SwarmPaths, timeoutMs = 15_000): Promise<{ pid: number }> {
  fs.mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
  const errLog = `${paths.logDir}/swarmd.stderr.log`;
  const out = fs.openSync(errLog, "a", 0o600);
  const child = spawn(process.execPath, [daemonEntry(), "--foreground"], { detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  child.unref();
  let exitCode: number | null = null;
  child.once("exit", (code) => (exitCode = code ?? 1));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== null) {
      const tail = fs.readFileSync(errLog, "utf8").trim().split("\n").slice(-5).join("\n");
      if (exitCode === 4) {
        // Another start won the race; that one is ours too.
        const c = await tryConnect(paths.socket);
        if (c) {
          c.close();
          return { pid: child.pid ?? 0 };
        }
      }
      throw new SwarmError("UNAVAILABLE", `swarmd exited during start-up (exit ${exitCode}):\n${tail}`, {
        hint: `see ${paths.logFile}`,
      });
    }
    const c = await tryConnect(paths.socket);
    if (c) {
      c.close();
      return { pid: child.pid ?? 0 };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new SwarmError("TIMEOUT", `swarmd did not answer on ${paths.socket} within ${timeoutMs / 1000} s`, {
    hint: `see ${paths.logFile}`,
  });
}

export interface ConnectOptions {
  autostart: boolean;
  clientName?: string;
}

/** Connects (starting the daemon first when allowed) and performs the handshake. */
export async function connectDaemon(paths: SwarmPaths, opts: ConnectOptions): Promise<RpcClient> {
  let client = await tryConnect(paths.socket);
  if (!client) {
    if (!opts.autostart) {
      throw new SwarmError("UNAVAILABLE", `swarmd is not running (no answer on ${paths.socket})`, {
        hint: "start it with `swarmctl daemon start`, or drop --no-autostart",
      });
    }
    await startDaemon(paths);
    client = await tryConnect(paths.socket);
    if (!client) throw new SwarmError("UNAVAILABLE", `swarmd started but ${paths.socket} does not answer`);
  }
  try {
    await client.call("daemon.hello", { protocol_version: PROTOCOL_VERSION_STRING, client: opts.clientName ?? "swarmctl" });
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}
