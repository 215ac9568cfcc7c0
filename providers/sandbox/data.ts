import type { NetMode } from "../types.js";
import type { Runner } from "../common/run.js";
import type { LayerMode } from "./layers.js";

/** What the sandbox provider keeps in an environment's handle. */
export interface SandboxData extends Record<string, unknown> {
  mode: LayerMode;
  repo: string;
  commonDir: string;
  branch: string;
  base: string;
  baseKey: string;
  baseDir: string | null;
  root: string;
  merged: string;
  net: NetMode;
  proxyAllow: string[];
  memoryMiB: number;
  cpus: number;
  stopped: boolean;
}

export interface SandboxOptions {
  runner?: Runner;
  /** default: overlay when this process may mount (root), else a clone per environment */
  mode?: LayerMode;
  /** pids limit per environment where cgroups are writable (default 4096) */
  pidsMax?: number;
  /** host paths hidden inside sandboxes (default: swarm's data, config and runtime dirs, whose socket would let a sandbox drive the daemon) */
  hidePaths?: string[];
  /** false to not use cgroups even where writable */
  cgroups?: boolean;
}
