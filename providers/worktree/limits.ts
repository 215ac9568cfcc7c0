import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import { SwarmError } from "../../protocol/errors.js";
import { detectCgroups, joinAndExec, leftoverGroup, type Cgroups } from "../common/cgroups.js";
import { processesIn } from "../common/procs.js";

/** The limits one worktree environment runs under; 0 = not limited. */
export interface WorktreeLimits {
  memoryMiB: number;
  cpus: number;
}

/**
 * What was asked for, as limits: a request of the whole host (what the daemon passes when
 * nothing was reserved) or more is no limit, so an environment created without --memory
 * or --cpus is not held to a number nobody chose.
 */
export function limitsFor(spec: { memoryMiB: number; cpus: number }): WorktreeLimits {
  const hostMiB = Math.floor(os.totalmem() / (1024 * 1024));
  const hostCpus = os.availableParallelism();
  return {
    memoryMiB: spec.memoryMiB > 0 && spec.memoryMiB < hostMiB ? Math.ceil(spec.memoryMiB) : 0,
    cpus: spec.cpus > 0 && spec.cpus < hostCpus ? spec.cpus : 0,
  };
}

/**
 * The cgroups of worktree environments: every process the provider starts joins its
 * environment's group(s) before it execs, so memory, pids and CPU limits hold for it and
 * everything it spawns. Groups are made on an environment's first command (and again
 * after a daemon restart: making them is idempotent) and removed on delete.
 */
export class WorktreeGroups {
  readonly cgroups: Cgroups | null;
  readonly reason: string | undefined;
  private readonly files = new Map<string, string[]>();

  constructor(
    stateDir: string,
    private readonly pidsMax: number,
    enabled: boolean,
  ) {
    // per state folder, so two daemons (two SWARM_HOMEs) and the sandbox provider never share a group
    const prefix = `swarm-wt-${crypto.createHash("sha256").update(stateDir).digest("hex").slice(0, 10)}`;
    const cg = enabled ? detectCgroups(prefix) : { cgroups: null, reason: "disabled by configuration" };
    this.cgroups = cg.cgroups;
    this.reason = cg.reason;
  }

  /**
   * argv wrapped so it runs inside the environment's groups. Through `sh` also where there
   * are none, so a missing command is exit 127 with a message on every host, never an error
   * kind that depends on whether cgroups are writable.
   */
  async wrap(env: string, limits: WorktreeLimits, argv: string[]): Promise<{ file: string; args: string[] }> {
    if (!this.cgroups) return joinAndExec([], argv, "swarm-worktree");
    let files = this.files.get(env);
    if (!files) {
      files = await this.cgroups.create(env, { memoryMiB: limits.memoryMiB, cpus: limits.cpus, pidsMax: this.pidsMax });
      this.files.set(env, files);
    }
    return joinAndExec(files, argv, "swarm-worktree");
  }

  /** Processes of the environment: its group's members plus anything else working in its folder. */
  async pids(env: string, dir: string): Promise<number[]> {
    const [inGroup, inDir] = await Promise.all([this.cgroups?.procs(env) ?? [], processesIn(dir)]);
    return [...new Set([...inGroup, ...inDir])].filter((p) => p !== process.pid).sort((a, b) => a - b);
  }

  /** Removes the groups (killing whatever is still in them); returns what could not be removed. */
  async remove(env: string): Promise<string[]> {
    this.files.delete(env);
    return (await this.cgroups?.remove(env)) ?? [];
  }

  /**
   * Before a new environment takes the name: a group an earlier one of that name left must
   * not be inherited, or its processes would be counted (and killed) as the new one's.
   * An empty one is removed; one with processes or child groups refuses the create.
   */
  async claim(env: string): Promise<void> {
    if (!this.cgroups) return;
    const left = await leftoverGroup(this.cgroups.dirs(env));
    if (!left) return;
    if (left.pids.length > 0) {
      throw new SwarmError(
        "CONFLICT",
        `a cgroup left by an earlier environment named ${env} still holds pid ${left.pids.slice(0, 5).join(", ")} (${left.dirs.join(", ")})`,
        {
          hint: `end those processes (they are not this environment's), or pick another name`,
          details: { groups: left.dirs, pids: left.pids },
        },
      );
    }
    const failed: string[] = [];
    for (const d of left.dirs) await fs.rmdir(d).catch((e: Error) => failed.push(`${d}: ${e.message}`));
    if (failed.length > 0) {
      throw new SwarmError("CONFLICT", `a cgroup left by an earlier environment named ${env} cannot be removed: ${failed.join("; ")}`, {
        hint: "remove it (and any child groups in it) by hand, or pick another name",
        details: { groups: left.dirs },
      });
    }
  }

  dirs(env: string): string[] {
    return this.cgroups?.dirs(env) ?? [];
  }
}
