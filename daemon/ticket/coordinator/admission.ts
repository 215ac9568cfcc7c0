import os from "node:os";
import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";

/** Is the host able to take one more run? Memory and load are read at call time. */
export function hostAdmits(c: CoordinatorConfig): { ok: boolean; reason: string | null } {
  const freeMb = os.freemem() / (1024 * 1024);
  if (c.min_free_mem_mb > 0 && freeMb < c.min_free_mem_mb) {
    return { ok: false, reason: `host has ${Math.round(freeMb)} MiB free, below coordinator.min_free_mem_mb ${c.min_free_mem_mb}` };
  }
  if (c.max_load_per_cpu > 0) {
    const perCpu = os.loadavg()[0]! / Math.max(1, os.cpus().length);
    if (perCpu > c.max_load_per_cpu) {
      return { ok: false, reason: `host load ${perCpu.toFixed(2)} per CPU is above coordinator.max_load_per_cpu ${c.max_load_per_cpu}` };
    }
  }
  return { ok: true, reason: null };
}
