import { spawn } from "node:child_process";
import { SwarmError } from "../../protocol/errors.js";
import type { ExecResult } from "../types.js";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
}

/**
 * The process runner providers use. Injected (not imported as a global) so a test can
 * record the exact argv a provider would run.
 */
export type Runner = (file: string, args: string[], opts?: RunOptions) => Promise<ExecResult>;

/**
 * Runs to completion and collects output. Children get their own process group so a
 * timeout kills the whole tree, not just the direct child.
 */
export const runProcess: Runner = (file, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      opts.timeoutMs && opts.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            killGroup(child.pid, "SIGKILL");
          }, opts.timeoutMs)
        : null;
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.stdin.on("error", () => {
      /* the child may exit before reading its input */
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (e.code === "ENOENT") reject(new SwarmError("UNAVAILABLE", `${file} is not installed or not on PATH`, { details: { file } }));
      else reject(new SwarmError("INTERNAL", `could not run ${file}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        reject(new SwarmError("TIMEOUT", `${file} did not finish within ${opts.timeoutMs} ms`, { details: { file, args } }));
        return;
      }
      resolve({ exitCode: code ?? 128, signal: signal ?? null, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Runs and throws (kind INTERNAL unless given) with the tool's stderr when it fails. */
export async function runOk(run: Runner, file: string, args: string[], opts: RunOptions & { what?: string } = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.exitCode !== 0) {
    const msg = r.stderr.toString().trim() || r.stdout.toString().trim();
    throw new SwarmError("INTERNAL", `${opts.what ?? `${file} ${args.join(" ")}`} failed (exit ${r.exitCode}): ${msg}`, {
      details: { file, args, exitCode: r.exitCode },
    });
  }
  return r.stdout.toString();
}

/** Is `file` on PATH (or an absolute executable)? */
export async function which(file: string): Promise<string | null> {
  const r = await runProcess("sh", ["-c", 'command -v "$1"', "sh", file]).catch(() => null);
  const p = r?.stdout.toString().trim();
  return r && r.exitCode === 0 && p ? p : null;
}
