import fs from "node:fs";
import { Worker } from "node:worker_threads";
import { SwarmError, type ErrorData } from "../../protocol/errors.js";
import type { Progress, ProgressFn } from "../types.js";
import type { InitBaseResult } from "./base-image.js";
import { helperScript } from "./layout.js";

export interface BaseWorkerInput {
  dir: string;
  force: boolean;
}

export type BaseWorkerMessage =
  { type: "progress"; progress: Progress } | { type: "done"; result: InitBaseResult } | { type: "error"; message: string; data: ErrorData };

/**
 * `initBase` in a worker thread (base-worker.ts), so the caller's event loop stays free.
 * The worker is the compiled dist/ file, like the vm provider's other helpers (mux, pty-client):
 * sources under a test runner use the build too.
 */
export function buildBaseInWorker(dir: string, opts: { force: boolean; progress?: ProgressFn }): Promise<InitBaseResult> {
  const file = helperScript("base-worker.js");
  if (!fs.existsSync(file)) {
    return Promise.reject(new SwarmError("INTERNAL", `the VM base build worker ${file} is missing`, { hint: "build swarm first: npx tsc -p tsconfig.json" }));
  }
  return new Promise<InitBaseResult>((resolve, reject) => {
    const w = new Worker(file, { workerData: { dir, force: opts.force } satisfies BaseWorkerInput });
    let settled = false;
    w.on("message", (m: BaseWorkerMessage) => {
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
}
