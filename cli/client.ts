import fs from "node:fs";
import net from "node:net";
import { isErrorKind, kindForRpcCode, SwarmError, type ErrorKind } from "../protocol/errors.js";
import { LineSplitter } from "../protocol/framing.js";
import { installedEntry } from "../protocol/install.js";
import type { SwarmPaths } from "../protocol/paths.js";
import { DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION_STRING } from "../protocol/version.js";

interface RpcErrorObject {
  code: number;
  message: string;
  data?: { kind?: unknown; hint?: string; details?: Record<string, unknown> };
}

/** A JSON-RPC error response from the daemon, before it is mapped to a SwarmError. */
export class RpcResponseError extends Error {
  constructor(readonly error: RpcErrorObject) {
    super(error.message);
  }
}

/**
 * The only module of the CLI and TUI side that touches node:net. A small JSON-RPC 2.0
 * client (requests matched by id, notifications dispatched by method); kept dependency-free
 * because every swarmctl invocation pays for what it loads.
 */
export class RpcClient {
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private closeFns: (() => void)[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    const splitter = new LineSplitter(64 * DEFAULT_MAX_FRAME_BYTES);
    socket.on("data", (chunk: Buffer) =>
      splitter.push(chunk, (ev) => {
        if (ev.kind !== "frame") return;
        let msg: { id?: unknown; method?: string; params?: unknown; result?: unknown; error?: RpcErrorObject };
        try {
          msg = JSON.parse(ev.text);
        } catch {
          return;
        }
        if (typeof msg.method === "string" && msg.id === undefined) {
          for (const fn of this.listeners.get(msg.method) ?? []) fn(msg.params);
          return;
        }
        const waiter = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
        if (!waiter) return;
        this.pending.delete(msg.id as number);
        if (msg.error) waiter.reject(toSwarmError(new RpcResponseError(msg.error)));
        else waiter.resolve(msg.result);
      }),
    );
    socket.on("close", () => {
      this.closed = true;
      const err = new SwarmError("UNAVAILABLE", "connection to swarmd closed");
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
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

  call<R = unknown>(method: string, params?: unknown): Promise<R> {
    if (this.closed) return Promise.reject(new SwarmError("UNAVAILABLE", "connection to swarmd closed"));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const req = params === undefined ? { jsonrpc: "2.0", method, id } : { jsonrpc: "2.0", method, params, id };
      this.socket.write(JSON.stringify(req) + "\n");
    });
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
  if (err instanceof RpcResponseError) {
    const data = err.error.data ?? {};
    const kind: ErrorKind = isErrorKind(data.kind) ? data.kind : kindForRpcCode(err.error.code);
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
  const { spawn } = await import("node:child_process");
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
