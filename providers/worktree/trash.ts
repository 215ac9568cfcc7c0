import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { TICKET_BRANCH_PREFIX } from "../../protocol/names.js";
import type { Git } from "../common/git.js";

export interface TrashEntry {
  id: string;
  name: string;
  repo: string;
  commonDir: string;
  branch: string;
  /** the branch is renamed while in the trash so the name can be reused */
  trashBranch: string | null;
  base: string;
  path: string;
  deletedAt: string;
  /** the environment's limits, given back on restore */
  limits?: { memoryMiB: number; cpus: number };
}

type RepoLock = <T>(commonDir: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Deleted worktrees: the directory is moved (not copied) to `<trash>/<id>/wt`, git's
 * worktree record is pruned, and the branch is renamed to swarm-trash/<id>. Restore
 * re-registers an empty worktree on the branch and moves the files back, so uncommitted
 * and untracked work survives. A ticket's branch keeps its name (and a purge leaves it):
 * its commits are the ticket's work, which the coordinator finds by that name.
 */
export class WorktreeTrash {
  constructor(
    private readonly git: Git,
    private readonly root: string,
    private readonly lock: RepoLock,
  ) {}

  async put(e: Omit<TrashEntry, "id" | "trashBranch" | "deletedAt">, checkpointsDir: string): Promise<TrashEntry> {
    const id = `${e.name}-${Date.now()}`;
    const dir = path.join(this.root, id);
    await fs.mkdir(dir, { recursive: true });
    await fs.rename(e.path, path.join(dir, "wt"));
    await fs.rename(checkpointsDir, path.join(dir, "checkpoints")).catch(() => undefined);
    const trashBranch = `swarm-trash/${id}`;
    const renamed = await this.lock(e.commonDir, async () => {
      await this.git.tryOut(e.repo, ["worktree", "prune"]);
      if (e.branch.startsWith(TICKET_BRANCH_PREFIX)) return false;
      return (await this.git.tryOut(e.repo, ["branch", "-m", e.branch, trashBranch])) !== null;
    });
    const entry: TrashEntry = { ...e, id, trashBranch: renamed ? trashBranch : null, deletedAt: new Date().toISOString() };
    await fs.writeFile(path.join(dir, "entry.json"), JSON.stringify(entry, null, 2));
    return entry;
  }

  async list(): Promise<TrashEntry[]> {
    const ids = await fs.readdir(this.root).catch(() => [] as string[]);
    const entries = await Promise.all(
      ids.map((id) =>
        fs.readFile(path.join(this.root, id, "entry.json"), "utf8").then(
          (t) => JSON.parse(t) as TrashEntry,
          () => null,
        ),
      ),
    );
    return entries.filter((e): e is TrashEntry => e !== null).sort((a, b) => a.deletedAt.localeCompare(b.deletedAt));
  }

  /**
   * Removes for good the entries deleted at least `olderThanMs` ago: the saved files and the
   * swarm-trash/<id> branch (force-deleted: its commits are what the trash kept). A repository
   * that is gone no longer holds the branch, so only the files are removed then.
   */
  async purge(olderThanMs: number, now = Date.now(), ids?: readonly string[]): Promise<TrashEntry[]> {
    const old = (await this.list()).filter((e) => now - Date.parse(e.deletedAt) >= olderThanMs && (!ids || ids.includes(e.id)));
    for (const e of old) {
      if (e.trashBranch) {
        const branch = e.trashBranch;
        await this.lock(e.commonDir, () => this.git.tryOut(e.repo, ["branch", "-D", branch]));
      }
      await fs.rm(path.join(this.root, e.id), { recursive: true, force: true });
    }
    return old;
  }

  async restore(name: string, dest: string, checkpointsDir: string): Promise<TrashEntry> {
    const e = (await this.list()).filter((x) => x.name === name).pop();
    if (!e)
      throw new SwarmError("NOT_FOUND", `no deleted environment ${name} in the trash`, {
        hint: "deleted environments are listed by swarmctl env trash list",
      });
    const dir = path.join(this.root, e.id);
    await this.lock(e.commonDir, async () => {
      if (e.trashBranch) {
        if (await this.git.branchExists(e.repo, e.branch)) {
          throw new SwarmError("CONFLICT", `branch ${e.branch} exists again in ${e.repo}; rename or delete it before restoring ${name}`);
        }
        await this.git.out(e.repo, ["branch", "-m", e.trashBranch, e.branch]);
      }
      await this.git.out(e.repo, ["worktree", "add", "--quiet", "--no-checkout", dest, e.branch]);
    });
    const saved = path.join(dir, "wt");
    for (const f of await fs.readdir(saved)) {
      if (f === ".git") continue;
      await fs.rename(path.join(saved, f), path.join(dest, f));
    }
    await this.git.out(dest, ["reset", "-q"]);
    await fs.mkdir(path.dirname(checkpointsDir), { recursive: true });
    await fs.rename(path.join(dir, "checkpoints"), checkpointsDir).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    return e;
  }
}
