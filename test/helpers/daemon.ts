import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { RpcClient, connectDaemon } from "../../client/index.js";
import { resolvePaths, type SwarmPaths } from "../../protocol/paths.js";
import { deadlineMs } from "./deadline.js";

export { DEADLINE_SCALE, deadlineMs } from "./deadline.js";

/** The repository root, from test/helpers/ or from its build in dist/test/helpers/ (bench/send-real.ts runs the rig from there). */
function repoRoot(dir: string): string {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, "package.json"))) return d;
  return path.resolve(dir, "../..");
}
export const ROOT = repoRoot(import.meta.dirname);
export const SWARMD = path.join(ROOT, "dist/daemon/main.js");
export const SWARMCTL = path.join(ROOT, "bin/swarmctl.js");

/** A temp SWARM_HOME with XDG_RUNTIME_DIR unset, so socket and all live under it. */
export function tempHome(prefix = "swarm-test-"): { home: string; env: NodeJS.ProcessEnv; paths: SwarmPaths } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home, NO_COLOR: "1" };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  return { home, env, paths: resolvePaths(env) };
}

/** Resolves when `pred` returns a truthy value; rejects at the (scaled) deadline with `what`. */
export async function waitFor<T>(what: string, pred: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + deadlineMs(timeoutMs);
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs(timeoutMs)} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface TestDaemon {
  home: string;
  env: NodeJS.ProcessEnv;
  paths: SwarmPaths;
  proc: ChildProcess;
  stderr: () => string;
  /** A connected, handshaken client. */
  client(): Promise<RpcClient>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit; resolves the exit code. */
  stop(): Promise<number | null>;
  /** Starts a new daemon process on the same home. */
  restart(): Promise<TestDaemon>;
}

/** Starts `swarmd --foreground` on a home and waits until it answers on its socket. */
export async function startDaemon(
  opts: {
    home?: ReturnType<typeof tempHome>;
    extraEnv?: NodeJS.ProcessEnv;
    config?: Record<string, unknown>;
    /** argv to run the daemon under, e.g. `ip netns exec NS` (it must exec the daemon, so the pid is swarmd's) */
    wrap?: string[];
  } = {},
): Promise<TestDaemon> {
  const h = opts.home ?? tempHome();
  // written once, before the first start: a restart keeps whatever the test changed since
  if (opts.config) {
    fs.mkdirSync(path.dirname(h.paths.configFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(h.paths.configFile, JSON.stringify(opts.config, null, 2));
  }
  const env = { ...h.env, ...opts.extraEnv };
  const argv = [...(opts.wrap ?? []), process.execPath, SWARMD, "--foreground"];
  const proc = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(`swarmd to listen on ${h.paths.socket} (stderr: ${err})`, async () => {
    if (gone) throw new Error(`swarmd exited: ${err}`);
    const c = await RpcClient.connect(h.paths.socket).catch(() => null);
    c?.close();
    return c !== null;
  });
  const clients: RpcClient[] = [];
  const d: TestDaemon = {
    home: h.home,
    env,
    paths: h.paths,
    proc,
    stderr: () => err,
    async client() {
      const c = await connectDaemon(h.paths, { autostart: false, clientName: "test" });
      clients.push(c);
      return c;
    },
    async kill() {
      if (!gone) proc.kill("SIGKILL");
      await exited;
      clients.forEach((c) => c.close());
    },
    async stop() {
      if (!gone) proc.kill("SIGTERM");
      const code = await exited;
      clients.forEach((c) => c.close());
      return code;
    },
    restart: () => startDaemon({ home: h, extraEnv: opts.extraEnv, wrap: opts.wrap }),
  };
  return d;
}

/** Runs swarmctl with the daemon's env; resolves its exit code and output. */
export function swarmctl(
  env: NodeJS.ProcessEnv,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SWARMCTL, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(
      () => {
        p.kill("SIGKILL");
        reject(new Error(`swarmctl ${args.join(" ")} timed out; stderr: ${stderr}`));
      },
      deadlineMs(opts.timeoutMs ?? 30_000),
    );
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(opts.input ?? "");
  });
}
