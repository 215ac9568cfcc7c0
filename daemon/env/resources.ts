import os from "node:os";
import type { Config } from "../../protocol/config/schema.js";
import { parseSizeMiB } from "../../protocol/methods/env.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { SwarmError } from "../../protocol/errors.js";

/** States whose reservation counts against the host. */
const RESERVING = new Set(["creating", "running"]);

export interface Host {
  cpus: number;
  memoryMiB: number;
}

export function hostTotals(): Host {
  return { cpus: os.availableParallelism(), memoryMiB: Math.floor(os.totalmem() / (1024 * 1024)) };
}

/** The vCPUs/RAM an environment reserves when the caller gives none: config env.resources per provider, else 0. */
export function defaultReservation(cfg: Config, provider: string): { cpus: number; memoryMiB: number } {
  const d = cfg.env.resources[provider];
  if (!d) return { cpus: 0, memoryMiB: 0 };
  const mem = d.memory.trim() === "0" ? 0 : parseSizeMiB(d.memory);
  return { cpus: d.cpus, memoryMiB: mem ?? 0 };
}

export function usage(envs: EnvRecord[], except?: string): { cpus: number; memoryMiB: number } {
  let cpus = 0;
  let memoryMiB = 0;
  for (const e of envs) {
    if (e.name === except || !RESERVING.has(e.state)) continue;
    cpus += e.cpus;
    memoryMiB += e.memory_mib;
  }
  return { cpus, memoryMiB };
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);

/** Refuses (RESOURCE_EXHAUSTED, naming the numbers) a reservation the host cannot take at the configured ratios. */
export function assertFits(
  what: string,
  want: { cpus: number; memoryMiB: number },
  envs: EnvRecord[],
  cfg: Config,
  host: Host = hostTotals(),
  except?: string,
): void {
  const used = usage(envs, except);
  const problems: string[] = [];
  const cpuCap = host.cpus * cfg.env.cpu_overcommit;
  if (want.cpus > 0 && used.cpus + want.cpus > cpuCap) {
    problems.push(
      `CPU: requested ${fmt(want.cpus)} vCPU, ${fmt(used.cpus)} in use, host has ${host.cpus} CPUs x ratio ${cfg.env.cpu_overcommit} = ${fmt(cpuCap)} allowed`,
    );
  }
  const memCap = host.memoryMiB * cfg.env.memory_overcommit;
  if (want.memoryMiB > 0 && used.memoryMiB + want.memoryMiB > memCap) {
    problems.push(
      `RAM: requested ${want.memoryMiB} MiB, ${used.memoryMiB} MiB in use, host has ${host.memoryMiB} MiB x ratio ${cfg.env.memory_overcommit} = ${Math.floor(memCap)} MiB allowed`,
    );
  }
  if (problems.length) {
    throw new SwarmError("RESOURCE_EXHAUSTED", `${what} would oversubscribe the host: ${problems.join("; ")}`, {
      hint: "stop or delete environments, ask for less (--cpus/--memory), or raise env.cpu_overcommit / env.memory_overcommit in the config",
      details: { requested: want, in_use: used, host, cpu_ratio: cfg.env.cpu_overcommit, memory_ratio: cfg.env.memory_overcommit },
    });
  }
}
