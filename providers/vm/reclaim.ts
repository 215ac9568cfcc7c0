/**
 * Cleaning up after a create that died midway (Provider.reclaim). The daemon that ran it
 * is gone, so there may be a QEMU without a pid file yet, a multiplexer, an allow-list
 * proxy, sockets and a half-filled folder. Processes are found by what their command line
 * names (this VM's pid file or socket folder), never by pid files alone: a stale pid file can
 * point at a pid the system has since given to something else.
 */
import fs from "node:fs/promises";
import { rmSync } from "node:fs";
import { pidAlive } from "../../protocol/os.js";
import { pollUntil } from "../../protocol/wait.js";
import type { VmDirs } from "./layout.js";

/**
 * Whether argument `a` names `mark`: equal to it, or, for a folder mark (ending in "/"),
 * a path inside it. Never a substring: another SWARM_HOME's path may end in ours.
 */
export function argNames(a: string, mark: string): boolean {
  return a === mark || (mark.endsWith("/") && a.startsWith(mark));
}

/** Pids of processes with an argument that names one of `marks` (see argNames). */
async function processesNaming(marks: string[]): Promise<number[]> {
  const entries = await fs.readdir("/proc").catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries.map(async (e) => {
      if (!/^\d+$/.test(e) || Number(e) === process.pid) return;
      const argv = (await fs.readFile(`/proc/${e}/cmdline`, "utf8").catch(() => "")).split("\0");
      if (argv.some((a) => marks.some((m) => argNames(a, m)))) found.push(Number(e));
    }),
  );
  return found;
}

/** Kills every process this VM's folder started (QEMU, multiplexer, proxy) and removes its files. */
export async function reclaimVm(d: VmDirs): Promise<void> {
  // QEMU names its pid file as an argument (-pidfile); the helpers (multiplexer, proxy,
  // host-bridge) each take a socket inside the socket folder as an argument.
  const pids = await processesNaming([d.qemuPid, d.sockDir + "/"]);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone already */
    }
  }
  // No exit event exists for processes that are not our children: poll, with a deadline.
  await pollUntil(() => !pids.some(pidAlive), { timeoutMs: 10_000, everyMs: 10 });
  rmSync(d.sockDir, { recursive: true, force: true });
  rmSync(d.dir, { recursive: true, force: true });
}
