import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SANDBOX_VARS_FILE } from "./bwrap-args.js";

/** The descriptor bwrap reads the runtime's private variables from (--ro-bind-data). */
export const VARS_FD = 3;
/** A variables file older than this was never picked up (a start normally removes it within milliseconds). */
const STALE_MS = 60_000;

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, "'\\''")}'`;
}

/** `export NAME='value'` lines (names are checked by runtime.start's schema: letters, digits, _). */
export function varsScript(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
    .join("");
}

/**
 * A runtime's own variables (`--var`, SWARM_THREAD_ID…) reach a sandboxed program without a
 * command line: bwrap starts with a cleared environment and its --setenv arguments are
 * visible in `ps`, and these values may be secrets. They go in a 0600 file under the
 * environment's (hidden) state folder; the host command opens it as fd 3 and removes it
 * before bwrap starts, and bwrap copies fd 3 to a read-only file inside, which the inner
 * command sources before the program runs. Returns the file (for the host wrapper).
 */
export function writeVarsFile(dir: string, vars: Record<string, string>, now = Date.now()): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // a start that never ran its host command (the holder failed to spawn) left its file: gone after a minute
  for (const f of fs.readdirSync(dir)) {
    if (!f.startsWith("vars-")) continue;
    const at = path.join(dir, f);
    if (now - (fs.statSync(at, { throwIfNoEntry: false })?.mtimeMs ?? now) > STALE_MS) fs.rmSync(at, { force: true });
  }
  const file = path.join(dir, `vars-${crypto.randomBytes(8).toString("hex")}`);
  fs.writeFileSync(file, varsScript(vars), { mode: 0o600 });
  return file;
}

/** Host side: open `file` as VARS_FD, remove it, then run `argv` (bwrap …). */
export function openVarsThenExec(file: string, argv: string[]): string[] {
  return ["/bin/sh", "-c", `exec ${VARS_FD}<"$0" && rm -f -- "$0" && exec "$@"`, file, ...argv];
}

/** Inside: export the variables from SANDBOX_VARS_FILE, then run `inner`. */
export function sourceVarsThenExec(inner: string[]): string[] {
  return ["/bin/sh", "-c", '. "$0" && exec "$@"', SANDBOX_VARS_FILE, ...inner];
}
