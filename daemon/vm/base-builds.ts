import fs from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { SwarmError } from "../../protocol/errors.js";
import { initBase, type InitBaseResult } from "../../providers/vm/base-image.js";
import { defaultBaseDir } from "../../providers/vm/provider.js";
import type { DaemonContext } from "../context.js";
import type { WorkerMessage } from "./base-worker.js";

export interface BaseBuildResult extends InitBaseResult {
  dir: string;
}

type Build = (dir: string, opts: NonNullable<Parameters<typeof initBase>[1]>) => Promise<InitBaseResult>;

/** initBase in a worker thread (compiled daemon), in-process where the worker's file is absent (sources under a test runner). */
export const buildInWorker: Build = (dir, opts) => {
  const file = new URL("./base-worker.js", import.meta.url);
  if (!fs.existsSync(file)) return initBase(dir, opts);
  return new Promise<InitBaseResult>((resolve, reject) => {
    const w = new Worker(file, { workerData: { dir, force: opts.force === true } });
    let settled = false;
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") opts.progress?.(m.progress);
      else if (m.type === "done") {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(new SwarmError(m.data.kind, m.message, m.data));
      }
    });
    w.on("error", (err) => {
      settled = true;
      reject(new SwarmError("INTERNAL", `the VM base build worker failed: ${err.message}`));
    });
    w.on("exit", (code) => {
      if (!settled) reject(new SwarmError("INTERNAL", `the VM base build worker exited (code ${code}) without a result`));
    });
  });
};

/**
 * `vm init-base` run by the daemon, so its progress is durable events (R-E8) whoever asked.
 * One build at a time: it is minutes of CPU and disk at worst, and two builds of one folder
 * would race on its manifest. A second call for the folder being built joins that build
 * (a --force call joining an unforced build is refused instead: it would not be forced);
 * one for another folder is refused until it ends.
 */
export class BaseBuilds {
  private running: { dir: string; startedAt: string; force: boolean; done: Promise<BaseBuildResult> } | null = null;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly build: Build = buildInWorker,
  ) {}

  run(params: { dir?: string | undefined; force: boolean }): Promise<BaseBuildResult> {
    if (params.dir !== undefined && !path.isAbsolute(params.dir)) {
      throw new SwarmError("INVALID_ARGUMENT", `the base dir ${JSON.stringify(params.dir)} must be an absolute path`, {
        hint: "pass an absolute --dir (swarmctl resolves relative ones for you)",
      });
    }
    const dir = path.resolve(params.dir ?? defaultBaseDir());
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
    // The build runs in a worker thread; the main loop's delay meanwhile is measured and
    // recorded so a regression shows.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const t0 = performance.now();
    logger.info("vm base build started", { dir, force });
    try {
      const r = await this.build(dir, {
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
