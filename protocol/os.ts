import os from "node:os";
import fs from "node:fs";

/**
 * Is the process alive? A zombie (exited, not yet reaped — common for a detached daemon in
 * a container whose PID 1 does not reap) counts as gone. EPERM means alive but not ours.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    return stat.slice(close + 2, close + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS): signal 0 is all we have
  }
}

/** The pid a pid file holds, or null when it is missing or not a pid. */
export function readPidFile(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Who a person at this terminal is, as an approval's actor (the CLI and the TUI record the same name). */
export function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? "user";
  }
}
