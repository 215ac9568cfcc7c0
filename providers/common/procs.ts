import fs from "node:fs/promises";
import { pidAlive } from "../../protocol/os.js";
import { pollUntil } from "../../protocol/wait.js";
import { isInside } from "./safe-path.js";

/** Host processes whose working directory is inside `dir` (via /proc; Linux only). */
export async function processesIn(dir: string): Promise<number[]> {
  const realDir = await fs.realpath(dir).catch(() => dir);
  const entries = await fs.readdir("/proc").catch(() => [] as string[]);
  const pids: number[] = [];
  await Promise.all(
    entries.map(async (e) => {
      if (!/^\d+$/.test(e)) return;
      const pid = Number(e);
      if (pid === process.pid) return;
      const cwd = await fs.readlink(`/proc/${e}/cwd`).catch(() => null);
      if (cwd && isInside(realDir, cwd.replace(/ \(deleted\)$/, ""))) pids.push(pid);
    }),
  );
  return pids.sort((a, b) => a - b);
}

/** SIGTERM, then SIGKILL whatever is still alive after `graceMs`. */
export async function terminate(pids: number[], graceMs = 2000): Promise<void> {
  for (const pid of pids) signal(pid, "SIGTERM");
  // polling process exit: no event exists for non-children; a zombie counts as gone (pidAlive)
  await pollUntil(() => !pids.some(pidAlive), { timeoutMs: graceMs });
  for (const pid of pids.filter(pidAlive)) signal(pid, "SIGKILL");
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone already */
  }
}
