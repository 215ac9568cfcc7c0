import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { Git } from "../common/git.js";
import type { KeyedLock } from "../../protocol/keyed-lock.js";
import { runOk, type Runner } from "../common/run.js";

/** How an environment's checkout is made: an overlay over a shared clone, or a clone of its own. */
export type LayerMode = "overlay" | "clone";

export interface EnvDirs {
  root: string;
  upper: string;
  work: string;
  merged: string;
}

export function envDirs(stateDir: string, name: string): EnvDirs {
  const root = path.join(stateDir, "envs", name);
  return { root, upper: path.join(root, "upper"), work: path.join(root, "work"), merged: path.join(root, "merged") };
}

/** The key of a base: which repository, which commit. Restores must match it. */
export function baseKey(commonDir: string, commit: string): string {
  return `${crypto.createHash("sha256").update(commonDir).digest("hex").slice(0, 12)}-${commit.slice(0, 16)}`;
}

/**
 * One read-only base checkout per repository + commit: a real `git clone --shared` (its
 * `.git` is a directory, unlike a worktree's `.git` file pointing back into the repo, so
 * git running in an overlay above it changes only the overlay), detached at the commit.
 */
export async function ensureBase(git: Git, lock: KeyedLock, stateDir: string, repoTop: string, key: string, commit: string): Promise<string> {
  const dir = path.join(stateDir, "bases", key);
  const ready = `${dir}.ready`;
  if (await exists(ready)) return dir;
  return lock.with(`base:${key}`, async () => {
    if (await exists(ready)) return dir;
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await git.out(path.dirname(dir), ["clone", "-q", "--shared", "--no-checkout", repoTop, dir]);
    await git.out(dir, ["checkout", "-q", "--detach", commit]);
    await fs.writeFile(ready, `${commit}\n`);
    return dir;
  });
}

export async function mountOverlay(run: Runner, base: string, d: EnvDirs): Promise<void> {
  await runOk(run, "mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${base},upperdir=${d.upper},workdir=${d.work}`, d.merged], {
    what: `mounting the overlay for ${d.merged}`,
  });
}

export async function unmount(run: Runner, dir: string): Promise<void> {
  if (!(await isMounted(dir))) return;
  const r = await run("umount", [dir]);
  if (r.exitCode !== 0) {
    // busy (a process still has a file open): detach now, the kernel frees it when they exit
    await runOk(run, "umount", ["-l", dir], { what: `unmounting ${dir}` });
  }
}

export async function isMounted(dir: string): Promise<boolean> {
  const info = await fs.readFile("/proc/self/mountinfo", "utf8");
  const real = await fs.realpath(dir).catch(() => dir);
  return info.split("\n").some((l) => l.split(" ")[4] === real);
}

/** Points the checkout's HEAD at a new branch at `commit` by writing refs directly (no git process). */
export async function writeBranch(checkout: string, branch: string, commit: string): Promise<void> {
  const ref = path.join(checkout, ".git", "refs", "heads", ...branch.split("/"));
  await fs.mkdir(path.dirname(ref), { recursive: true });
  await fs.writeFile(ref, `${commit}\n`);
  await fs.writeFile(path.join(checkout, ".git", "HEAD"), `ref: refs/heads/${branch}\n`);
}

export function checkBranchName(branch: string): void {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes("..") || branch.startsWith("/") || branch.endsWith("/") || branch.endsWith(".lock")) {
    throw new SwarmError("INVALID_ARGUMENT", `invalid branch name ${JSON.stringify(branch)}`, {
      hint: "use letters, digits, '.', '_', '-' and '/' (e.g. swarm/task-1)",
    });
  }
}

export const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );
