import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { resolveInside } from "./safe-path.js";

/**
 * Copies between the host and a directory that is the environment's working tree on the
 * host (worktree, or a sandbox's merged overlay). Symlinks are copied as links, never
 * followed, so a link inside the environment cannot pull host files out or push in.
 */
export async function copyIntoDir(root: string, hostPath: string, envPath: string): Promise<void> {
  const src = path.resolve(hostPath);
  await fs.lstat(src).catch(() => {
    throw new SwarmError("NOT_FOUND", `host path ${hostPath} does not exist`, { details: { path: hostPath } });
  });
  const dest = await resolveInside(root, envPath, "destination");
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await fs.cp(src, dest, { recursive: true, force: true, verbatimSymlinks: true, dereference: false });
}

export async function copyOutOfDir(root: string, envPath: string, hostPath: string): Promise<void> {
  const src = await resolveInside(root, envPath, "source");
  const st = await fs.lstat(src).catch(() => null);
  if (!st) throw new SwarmError("NOT_FOUND", `${envPath} does not exist in the environment`, { details: { path: envPath } });
  const dest = path.resolve(hostPath);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await fs.cp(src, dest, { recursive: true, force: true, verbatimSymlinks: true, dereference: false });
}
