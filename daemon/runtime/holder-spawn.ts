import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RuntimeConfig } from "../../protocol/config/runtime.js";
import type { DaemonContext } from "../context.js";
import type { HolderSpec } from "./holder/frames.js";

const HOLDER_MAIN = fileURLToPath(new URL("./holder/main.js", import.meta.url));

export interface SpawnRequest {
  id: string;
  name: string;
  /** holder's directory: spec, logs, exit.json, recording/ */
  dir: string;
  command: string[];
  cwd: string;
  vars: Record<string, string>;
  cols: number;
  rows: number;
  /** values the holder masks in its recording and in what it serves (empty: none) */
  redact: string[];
}

/** Writes the holder's spec and starts it detached, in its own session, outliving the daemon. */
export function spawnHolder(ctx: DaemonContext, cfg: RuntimeConfig, r: SpawnRequest): { holder: ChildProcess; socket: string } {
  fs.mkdirSync(r.dir, { recursive: true, mode: 0o700 });
  const sockDir = path.join(ctx.paths.runDir, "rt");
  fs.mkdirSync(sockDir, { recursive: true, mode: 0o700 });
  const spec: HolderSpec = {
    id: r.id,
    socket: path.join(sockDir, `${r.id}.sock`),
    dir: r.dir,
    command: r.command,
    cwd: r.cwd,
    env: childEnv(r.vars, { SWARM_RUNTIME: r.name }),
    cols: r.cols,
    rows: r.rows,
    ring_bytes: cfg.ring_bytes,
    high_watermark: cfg.high_watermark,
    low_watermark: Math.min(cfg.low_watermark, cfg.high_watermark),
    recording: cfg.recording ? { dir: path.join(r.dir, "recording"), max_bytes: cfg.recording_max_bytes, keep: cfg.recording_keep } : null,
    redact: r.redact,
  };
  // The spec goes over a pipe, never to disk: its environment may carry secrets.
  const errFd = fs.openSync(path.join(r.dir, "holder.stderr.log"), "a", 0o600);
  const holder = spawn(process.execPath, [HOLDER_MAIN, "-"], { detached: true, stdio: ["pipe", errFd, errFd], cwd: r.cwd });
  fs.closeSync(errFd);
  holder.stdin!.on("error", () => {});
  holder.stdin!.end(JSON.stringify(spec));
  holder.unref();
  return { holder, socket: spec.socket };
}

/** The last lines a holder wrote about itself, for error messages. */
export function holderTail(dir: string): string {
  for (const f of ["holder.stderr.log", "holder.log"]) {
    try {
      const t = fs.readFileSync(path.join(dir, f), "utf8").trim();
      if (t) return t.split("\n").slice(-3).join(" | ");
    } catch {
      // not written yet
    }
  }
  return "";
}

function childEnv(vars: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("SWARM_") && k !== "NODE_OPTIONS") env[k] = v;
  }
  return { ...env, TERM: "xterm-256color", ...vars, ...extra };
}
