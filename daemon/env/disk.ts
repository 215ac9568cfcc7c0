import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** How long a measurement is answered from memory: `du` of a big checkout walks every file. */
export const DISK_TTL_MS = 30_000;

/**
 * Disk space an environment's files take on the host (`du -sk` of its host folder: the
 * worktree, the sandbox's copy, the VM's disk images), measured on request and kept
 * DISK_TTL_MS so a TUI watching it does not walk the tree every second.
 */
export class DiskUsage {
  private readonly cache = new Map<string, { path: string; bytes: number | null; at: number }>();

  async of(name: string, path: string | null, now = Date.now()): Promise<{ bytes: number | null; measured_at: string }> {
    const hit = this.cache.get(name);
    if (hit && hit.path === path && now - hit.at < DISK_TTL_MS) return { bytes: hit.bytes, measured_at: new Date(hit.at).toISOString() };
    const bytes = path ? await du(path) : null;
    this.cache.set(name, { path: path ?? "", bytes, at: now });
    return { bytes, measured_at: new Date(now).toISOString() };
  }
}

/** Bytes under `path`; null when it cannot be measured (gone, unreadable, too slow). */
async function du(path: string): Promise<number | null> {
  // du exits 1 when some entries were unreadable but still prints the total it could count
  const out = await run("du", ["-sk", "--", path], { timeout: 10_000, encoding: "utf8" }).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? "",
  );
  const kib = out ? Number(out.split(/\s/)[0]) : NaN;
  return Number.isFinite(kib) ? kib * 1024 : null;
}
