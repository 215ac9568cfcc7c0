/**
 * Undoing (part of) a worktree create: the folder, git's worktree record, and the branch
 * only when it holds no work of its own. Used when a create fails and by reclaim after a
 * daemon died mid-create.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { KeyedLock } from "../../protocol/keyed-lock.js";
import type { Git } from "../common/git.js";
import type { EnvSpec, ProviderContext } from "../types.js";

export interface UndoDeps {
  git: Git;
  logger: ProviderContext["logger"];
  /** the provider's per-repository lock: git's worktree metadata is not concurrency-safe */
  repoLocks: KeyedLock;
}

export async function undoCreate(d: UndoDeps, spec: EnvSpec, dir: string, branch: string, registered: boolean): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  if (!registered) return;
  const info = await d.git.repoInfo(spec.repo).catch(() => null);
  if (!info) return;
  await d.repoLocks.with(info.commonDir, async () => {
    await d.git.tryOut(info.top, ["worktree", "prune"]);
    await dropBranchWithoutWork(d, info.top, branch, spec);
  });
}

/** Deletes the branch only when it holds no commits outside other branches and the base: never anyone's work. */
export async function dropBranchWithoutWork(d: UndoDeps, top: string, branch: string, spec: EnvSpec): Promise<void> {
  if (!(await d.git.branchExists(top, branch))) return;
  const base = await d.git.resolveCommit(top, spec.base ?? "HEAD").catch(() => null);
  const own = base ? await d.git.unmergedCommits(top, branch, base).catch(() => null) : null;
  if (own === 0) await d.git.tryOut(top, ["branch", "-D", branch]);
  else d.logger.info("kept a branch with commits of its own", { env: spec.name, branch, commits: own });
}

export async function reclaimFilesAndBranch(d: UndoDeps, spec: EnvSpec, dir: string, branch: string): Promise<void> {
  const info = await d.git.repoInfo(spec.repo).catch(() => null);
  // look before rm and prune: they destroy the evidence of which branch our add made
  const recorded = info ? await worktreeRecordsAt(info.commonDir, dir) : [];
  await fs.rm(dir, { recursive: true, force: true });
  if (!info) return;
  const ours = branch === `swarm/${spec.name}` || recorded.some((r) => r.head === `ref: refs/heads/${branch}`);
  await d.repoLocks.with(info.commonDir, async () => {
    await d.git.tryOut(info.top, ["worktree", "prune"]);
    for (const r of recorded) await fs.rm(r.record, { recursive: true, force: true });
    if (ours) await dropBranchWithoutWork(d, info.top, branch, spec);
    else if (await d.git.branchExists(info.top, branch)) {
      d.logger.info("kept a branch this environment did not make", { env: spec.name, branch });
    }
  });
}

/** git's records (.git/worktrees/<id>) of worktrees at `dir`, with the HEAD each has checked out. */
async function worktreeRecordsAt(commonDir: string, dir: string): Promise<{ record: string; head: string | null }[]> {
  const root = path.join(commonDir, "worktrees");
  // git may have written the path with symlinks resolved
  const real = path.join(await fs.realpath(path.dirname(dir)).catch(() => path.dirname(dir)), path.basename(dir));
  const out: { record: string; head: string | null }[] = [];
  for (const id of await fs.readdir(root).catch(() => [] as string[])) {
    const gitdir = await fs.readFile(path.join(root, id, "gitdir"), "utf8").catch(() => null);
    const at = gitdir === null ? null : path.dirname(gitdir.trim());
    if (at !== dir && at !== real) continue;
    const head = await fs.readFile(path.join(root, id, "HEAD"), "utf8").then(
      (t) => t.trim(),
      () => null,
    );
    out.push({ record: path.join(root, id), head });
  }
  return out;
}
