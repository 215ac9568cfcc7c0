/** Booting one environment's VM: cold, or from a saved state (template or checkpoint). */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { EnvHandle, NetMode } from "../types.js";
import { seed } from "./agent-client.js";
import { baseLayout, vmDirs } from "./layout.js";
import { Qmp } from "./qmp.js";
import { launch, waitReady, type Accel, type VmShape } from "./qemu.js";

/** What vm.json / EnvHandle.data hold for one VM. */
export interface VmData {
  dir: string;
  disk: string;
  cpus: number;
  memoryMiB: number;
  accel: Accel;
  baseId: string;
  /** the base build this VM's disk chain and kernel come from */
  image: string;
  bootedFrom: "template" | "cold" | "checkpoint";
  /** absent in VMs made before networking existed: none */
  net?: NetMode;
  /** hosts the proxy lets through (net = proxy) */
  proxyAllow?: string[];
  [k: string]: unknown;
}

export const COLD_BOOT_TIMEOUT_MS = 120_000;
const RESTORE_TIMEOUT_MS = 60_000;

export function vmData(h: EnvHandle): VmData {
  return h.data as VmData;
}

export function layerName(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}.qcow2`;
}

/** Loads a saved VM state (template or checkpoint) and hands the guest fresh randomness. */
export async function bootFromState(data: VmData, state: string): Promise<void> {
  const layout = baseLayout(data.image);
  const d = vmDirs(data.dir);
  await launch(layout, shapeOf(data), data.disk, d, { incoming: state, proxyAllow: data.proxyAllow ?? [] });
  const q = await Qmp.connect(d.qmpSock);
  try {
    await q.resumeIncoming(RESTORE_TIMEOUT_MS);
  } finally {
    q.close();
  }
  await waitReady(d, RESTORE_TIMEOUT_MS);
  await seed(d.muxSock, randomBytes(64));
}

export async function coldBoot(data: VmData): Promise<void> {
  const layout = baseLayout(data.image);
  const d = vmDirs(data.dir);
  await launch(layout, shapeOf(data), data.disk, d, { proxyAllow: data.proxyAllow ?? [] });
  await waitReady(d, COLD_BOOT_TIMEOUT_MS);
}

export function shapeOf(data: VmData): VmShape {
  return { cpus: data.cpus, memoryMiB: data.memoryMiB, accel: data.accel, net: data.net ?? "none" };
}

export function saveData(data: VmData): void {
  fs.writeFileSync(path.join(data.dir, "vm.json"), JSON.stringify(data, null, 2) + "\n");
}
