/**
 * Runs `initBase` off the daemon's main thread (`node:worker_threads`, spawned by path from
 * base-worker-client.ts). The build is mostly child processes, but its synchronous file work
 * (reading and writing a kernel, copying and removing the unpacked package) held the event
 * loop for ~0.2 s at a time, stalling RPCs and PTY output.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SwarmError } from "../../protocol/errors.js";
import { initBase } from "./base-image.js";
import type { BaseWorkerInput, BaseWorkerMessage } from "./base-worker-client.js";

const { dir, force } = workerData as BaseWorkerInput;
const post = (m: BaseWorkerMessage) => parentPort!.postMessage(m);

initBase(dir, { force, progress: (progress) => post({ type: "progress", progress }) }).then(
  (result) => post({ type: "done", result }),
  (err: unknown) => {
    if (err instanceof SwarmError) post({ type: "error", message: err.message, data: err.toData() });
    else post({ type: "error", message: `building the VM base failed: ${(err as Error)?.message ?? String(err)}`, data: { kind: "INTERNAL" } });
  },
);
