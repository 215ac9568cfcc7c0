import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { SwarmError } from "../../protocol/errors.js";
import type { BaseImageBuild, BaseImages } from "../../providers/types.js";
import type { DaemonContext } from "../context.js";

export interface BaseBuildResult extends BaseImageBuild {
  dir: string;
}

/** A base folder the caller named (absolute), or the provider's own. */
export function baseDirOf(bases: BaseImages, dir: string | undefined): string {
  if (dir !== undefined && !path.isAbsolute(dir)) {
    throw new SwarmError("INVALID_ARGUMENT", `the base dir ${JSON.stringify(dir)} must be an absolute path`, {
      hint: "pass an absolute --dir (swarmctl resolves relative ones for you)",
    });
  }
  return path.resolve(dir ?? bases.defaultBaseDir());
}

/**
 * `vm init-base` run by the daemon, so its progress is durable events (R-E8) whoever asked.
 * One build at a time: it is minutes of CPU and disk at worst, and two builds of one folder
 * would race on its manifest. A second call for the folder being built joins that build
 * (a --force call joining an unforced build is refused instead: it would not be forced);
 * one for another folder is refused until it ends. The build itself is the provider's
 * (BaseImages.buildBase, off the main thread).
 */
export class BaseBuilds {
  private running: { dir: string; startedAt: string; force: boolean; done: Promise<BaseBuildResult> } | null = null;

  constructor(
    private readonly ctx: Pick<DaemonContext, "events" | "logger">,
    private readonly bases: BaseImages,
  ) {}

  run(params: { dir?: string | undefined; force: boolean }): Promise<BaseBuildResult> {
    const dir = baseDirOf(this.bases, params.dir);
    if (this.running) {
      if (this.running.dir === dir && params.force && !this.running.force) {
        throw new SwarmError("CONFLICT", `a build of ${dir} without --force is running (since ${this.running.startedAt}); --force was not applied`, {
          hint: "wait for it to finish (swarmctl events --follow --type vm.base_built), then run init-base --force again",
          details: { building: dir },
        });
      }
      if (this.running.dir === dir) return this.running.done;
      throw new SwarmError("CONFLICT", `a VM base is being built in ${this.running.dir} (since ${this.running.startedAt}); one build runs at a time`, {
        hint: "wait for it to finish (swarmctl events --follow --type vm.base_built), then run init-base again",
        details: { building: this.running.dir },
      });
    }
    const done = this.buildOne(dir, params.force).finally(() => {
      this.running = null;
    });
    this.running = { dir, startedAt: new Date().toISOString(), force: params.force, done };
    return done;
  }

  private async buildOne(dir: string, force: boolean): Promise<BaseBuildResult> {
    const { events, logger } = this.ctx;
    // The build runs off the main thread; the main loop's delay meanwhile is measured and
    // recorded so a regression shows.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const t0 = performance.now();
    logger.info("vm base build started", { dir, force });
    try {
      const r = await this.bases.buildBase(dir, {
        force,
        progress: (p) =>
          events.append("vm.base_progress", dir, {
            dir,
            phase: p.phase,
            ...(p.message !== undefined ? { message: p.message } : {}),
            ...(p.done !== undefined ? { done: p.done } : {}),
            ...(p.total !== undefined ? { total: p.total } : {}),
          }),
      });
      loop.disable();
      const ms = Math.round(performance.now() - t0);
      const loopDelayMaxMs = Math.round(loop.max / 1e6);
      events.append("vm.base_built", dir, { dir, id: r.manifest.id, up_to_date: r.upToDate, ms, loop_delay_max_ms: loopDelayMaxMs });
      logger.info("vm base build finished", { dir, id: r.manifest.id, upToDate: r.upToDate, ms, loopDelayMaxMs });
      return { dir, ...r };
    } catch (err) {
      loop.disable();
      logger.warn("vm base build failed", { dir, error: (err as Error).message });
      throw err;
    }
  }
}
