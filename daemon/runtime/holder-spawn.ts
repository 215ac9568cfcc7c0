import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RuntimeConfig } from "../../protocol/config/runtime.js";
import { SwarmError } from "../../protocol/errors.js";
import type { DaemonContext } from "../context.js";
import { redactionValues } from "../secrets/redactor.js";
import { encodeNativeSpec, type HolderSpec } from "./holder/frames.js";

const HOLDER_MAIN = fileURLToPath(new URL("./holder/main.js", import.meta.url));
/** Built by scripts/build-native.ts from holder/native/*.c (dist/native/swarm-holder). */
export const NATIVE_HOLDER = fileURLToPath(new URL("../../native/swarm-holder", import.meta.url));

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
  /** values to mask as `********` in the recording and in the output the holder serves */
  redact?: string[];
}

export type HolderKind = "native" | "node";

/** Which holder program a runtime gets: `runtime.holder`, with "auto" meaning native when it was built. */
export function holderKind(choice: RuntimeConfig["holder"], nativePath = NATIVE_HOLDER): HolderKind {
  if (choice === "node") return "node";
  const built = isExecutable(nativePath);
  if (choice === "native" && !built) {
    throw new SwarmError("UNAVAILABLE", `runtime.holder is "native" but ${nativePath} is not built`, {
      hint: 'build it with `npm run build` (needs a C compiler, `cc`), or set runtime.holder to "auto" or "node"',
    });
  }
  return built ? "native" : "node";
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Writes the holder's spec and starts it detached, in its own session, outliving the daemon. */
export function spawnHolder(ctx: DaemonContext, cfg: RuntimeConfig, r: SpawnRequest): { holder: ChildProcess; socket: string; kind: HolderKind } {
  const kind = holderKind(cfg.holder);
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
    // the values as both holders match them: long enough, with CRLF variants of multi-line ones
    ...(r.redact?.length ? { redact: redactionValues(r.redact) } : {}),
  };
  // The spec goes over a pipe, never to disk: its environment may carry secrets.
  const errFd = fs.openSync(path.join(r.dir, "holder.stderr.log"), "a", 0o600);
  const [program, args] = kind === "native" ? [NATIVE_HOLDER, ["-"]] : [process.execPath, [HOLDER_MAIN, "-"]];
  const holder = spawn(program, args, { detached: true, stdio: ["pipe", errFd, errFd], cwd: r.cwd });
  fs.closeSync(errFd);
  holder.stdin!.on("error", () => {});
  holder.stdin!.end(kind === "native" ? encodeNativeSpec(spec) : JSON.stringify(spec));
  holder.unref();
  return { holder, socket: spec.socket, kind };
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
