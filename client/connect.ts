import fs from "node:fs";
import { SwarmError } from "../protocol/errors.js";
import { installedEntry } from "../protocol/install.js";
import type { SwarmPaths } from "../protocol/paths.js";
import { PROTOCOL_VERSION_STRING } from "../protocol/version.js";
import { RpcClient, type ClientOptions } from "./connection.js";

function daemonEntry(): string {
  return installedEntry(import.meta.url, "daemon-main");
}

/** Connects to the socket, or null when no daemon listens there (no socket, refused). */
export async function tryConnect(socketPath: string, opts: ClientOptions = {}): Promise<RpcClient | null> {
  try {
    return await RpcClient.connect(socketPath, opts);
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ECONNREFUSED") return null;
    throw new SwarmError("UNAVAILABLE", `cannot connect to ${socketPath}: ${(err as Error).message}`);
  }
}

async function answers(socketPath: string): Promise<boolean> {
  const c = await tryConnect(socketPath);
  c?.close();
  return c !== null;
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
      // Exit 4: another start won the race; that daemon is ours too.
      if (exitCode === 4 && (await answers(paths.socket))) return { pid: child.pid ?? 0 };
      const tail = fs.readFileSync(errLog, "utf8").trim().split("\n").slice(-5).join("\n");
      throw new SwarmError("UNAVAILABLE", `swarmd exited during start-up (exit ${exitCode}):\n${tail}`, { hint: `see ${paths.logFile}` });
    }
    if (await answers(paths.socket)) return { pid: child.pid ?? 0 };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new SwarmError("TIMEOUT", `swarmd did not answer on ${paths.socket} within ${timeoutMs / 1000} s`, { hint: `see ${paths.logFile}` });
}

export interface ConnectOptions extends ClientOptions {
  autostart: boolean;
  clientName?: string;
}

/**
 * Connects (starting the daemon first when allowed) and performs the handshake, which
 * also tells the client the daemon's size limits so it can refuse oversized requests itself.
 */
export async function connectDaemon(paths: SwarmPaths, opts: ConnectOptions): Promise<RpcClient> {
  let client = await tryConnect(paths.socket, opts);
  if (!client) {
    if (!opts.autostart) {
      throw new SwarmError("UNAVAILABLE", `swarmd is not running (no answer on ${paths.socket})`, {
        hint: "start it with `swarmctl daemon start`, or drop --no-autostart",
      });
    }
    await startDaemon(paths);
    client = await tryConnect(paths.socket, opts);
    if (!client) throw new SwarmError("UNAVAILABLE", `swarmd started but ${paths.socket} does not answer`);
  }
  try {
    const hello = await client.call("daemon.hello", { protocol_version: PROTOCOL_VERSION_STRING, client: opts.clientName ?? "swarmctl" });
    client.limits = {
      ...(hello.max_frame_bytes !== undefined ? { maxFrameBytes: hello.max_frame_bytes } : {}),
      ...(hello.max_ticket_body_bytes !== undefined ? { maxTicketBodyBytes: hello.max_ticket_body_bytes } : {}),
    };
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}
