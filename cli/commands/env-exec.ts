import { spawn } from "node:child_process";
import os from "node:os";
import type { HostCommand } from "../../providers/types.js";
import { SwarmError } from "../../protocol/errors.js";
import type { CliContext } from "../context.js";

/** How often an open run/shell tells the daemon it is active (idle auto-stop must leave it alone). */
const TOUCH_EVERY_MS = 20_000;

function keepAlive(ctx: CliContext, name: string): () => void {
  const t = setInterval(() => void ctx.call("env.touch", { name }).catch(() => {}), TOUCH_EVERY_MS);
  t.unref();
  return () => clearInterval(t);
}

/** A signal death maps to 128 + signo, as shells do. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? os.constants.signals[signal] : undefined;
  return 128 + (n ?? 1);
}

/**
 * `env run`: the daemon says which host command runs argv inside the environment (with
 * forwarded variables and secrets); it runs here with this terminal's stdio, so output
 * streams and the exit code is the command's.
 */
export async function runPassthrough(ctx: CliContext, name: string, argv: string[]): Promise<number> {
  const cmd = await ctx.call<HostCommand>("env.pty_command", { name, argv });
  const stop = keepAlive(ctx, name);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: "inherit" });
      child.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") {
          process.stderr.write(`error: ${argv[0]}: command not found in environment ${name}\n`);
          resolve(127);
        } else reject(new SwarmError("UNAVAILABLE", `cannot run ${argv[0]}: ${err.message}`));
      });
      child.on("exit", (code, signal) => resolve(exitCodeOf(code, signal)));
    });
  } finally {
    stop();
  }
}

/** `env shell`: an interactive PTY on this terminal (raw mode, resize), run with node-pty here. */
export async function runShell(ctx: CliContext, name: string, argv: string[]): Promise<number> {
  const cmd = await ctx.call<HostCommand>("env.pty_command", { name, ...(argv.length ? { argv } : {}) });
  const pty = await import("node-pty");
  const stdin = process.stdin;
  const stdout = process.stdout;
  const term = pty.spawn(cmd.file, cmd.args, {
    name: process.env.TERM || "xterm-256color",
    cols: stdout.columns || 80,
    rows: stdout.rows || 24,
    cwd: cmd.cwd,
    env: cmd.env,
  });
  const stop = keepAlive(ctx, name);
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  if (stdin.isTTY) stdin.setRawMode(true);
  const onData = (d: Buffer) => term.write(d.toString("utf8"));
  stdin.on("data", onData);
  stdin.resume();
  const onResize = () => term.resize(stdout.columns || 80, stdout.rows || 24);
  stdout.on("resize", onResize);
  term.onData((d) => stdout.write(d));
  try {
    return await new Promise<number>((resolve) => {
      term.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
    });
  } finally {
    stop();
    stdout.off("resize", onResize);
    stdin.off("data", onData);
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
    stdin.pause();
  }
}
