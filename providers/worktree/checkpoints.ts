import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { CheckpointInfo } from "../types.js";
import { CheckpointStore } from "../common/checkpoint-store.js";
import type { Git } from "../common/git.js";
import { assertName, timestampName } from "../common/ids.js";

export interface WorktreeCheckpoint extends CheckpointInfo {
  /** commit whose tree is the working tree (tracked + untracked, not ignored) */
  commit: string;
  /** HEAD when the checkpoint was taken; restore moves the branch back to it */
  head: string;
}

/**
 * A checkpoint is a git commit object built from a throwaway index (`git add -A` into a
 * temporary GIT_INDEX_FILE, `write-tree`, `commit-tree -p HEAD`), kept alive by a ref
 * under refs/swarm/checkpoints/. Unchanged files share blobs with history, so it is
 * copy-on-write in effect, and it never touches the environment's own index or branch.
 */
export class WorktreeCheckpoints {
  private readonly store: CheckpointStore<WorktreeCheckpoint>;
  constructor(
    private readonly git: Git,
    root: string,
    private readonly tmpDir: string,
  ) {
    this.store = new CheckpointStore(root);
  }

  dir(env: string): string {
    return this.store.dir(env);
  }

  async create(env: string, dir: string, base: string, name: string): Promise<WorktreeCheckpoint> {
    const ckName = name || timestampName();
    assertName(ckName, "checkpoint");
    if (await this.store.exists(env, ckName)) {
      throw new SwarmError("CONFLICT", `environment ${env} already has a checkpoint ${ckName}`, { hint: "pick another name" });
    }
    await fs.mkdir(this.tmpDir, { recursive: true });
    const index = path.join(this.tmpDir, `index-${crypto.randomUUID()}`);
    try {
      const head = (await this.git.out(dir, ["rev-parse", "HEAD"])).trim();
      const env0 = { GIT_INDEX_FILE: index };
      await this.git.out(dir, ["read-tree", "HEAD"], env0);
      await this.git.out(dir, ["add", "-A", "."], env0);
      const tree = (await this.git.out(dir, ["write-tree"], env0)).trim();
      const commit = (await this.git.out(dir, ["commit-tree", tree, "-p", head, "-m", `swarm checkpoint ${env}/${ckName}`])).trim();
      await this.git.out(dir, ["update-ref", `refs/swarm/checkpoints/${env}/${ckName}`, commit]);
      const info: WorktreeCheckpoint = { name: ckName, createdAt: new Date().toISOString(), provider: "worktree", base, commit, head };
      await this.store.save(env, info);
      return info;
    } finally {
      await fs.rm(index, { force: true });
    }
  }

  async restore(env: string, dir: string, base: string, name: string): Promise<void> {
    const info = await this.store.get(env, name);
    CheckpointStore.assertCompatible(info, "worktree", base);
    await this.git.out(dir, ["reset", "-q", "--hard", info.head]);
    await this.git.out(dir, ["clean", "-q", "-f", "-d"]);
    // Files become the checkpoint's; the index goes back to HEAD so what was uncommitted stays uncommitted.
    await this.git.out(dir, ["read-tree", "-u", "--reset", info.commit]);
    await this.git.out(dir, ["reset", "-q"]);
  }

  async list(env: string): Promise<CheckpointInfo[]> {
    return this.store.list(env);
  }
}
