/**
 * Which accelerator really works. /dev/kvm existing proves nothing here (kvm_pvm aborts
 * Debian kernels), so KVM counts only after a probe VM boots to its agent; the result is
 * cached beside the base image, since it depends on that kernel.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DetectResult } from "../types.js";
import { installHint, readManifest, requireBase } from "./base-image.js";
import { vmDirs } from "./layout.js";
import { createOverlay, kill, launch, waitReady, type Accel } from "./qemu.js";

interface ProbeCache {
  baseId: string;
  qemu: string;
  accel: Accel;
  kvmError?: string;
}

function qemuVersion(): string | null {
  const r = spawnSync("qemu-system-x86_64", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return r.stdout.split("\n")[0]!.trim();
}

function hasTool(bin: string): boolean {
  return !spawnSync(bin, ["--version"], { stdio: "ignore" }).error;
}

async function probeKvm(baseDir: string): Promise<string | null> {
  try {
    fs.accessSync("/dev/kvm", fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return "/dev/kvm is missing or not accessible";
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vm-probe-"));
  const d = vmDirs(dir);
  try {
    const base = requireBase(baseDir).layout;
    const disk = path.join(dir, "disk.qcow2");
    await createOverlay(disk, base.rootImg, "raw");
    await launch(base, { accel: "kvm", cpus: 1, memoryMiB: 256, net: "none" }, disk, d);
    await waitReady(d, 10_000);
    return null;
  } catch (e) {
    return (e as Error).message.split("\n")[0] ?? "probe failed";
  } finally {
    await kill(d);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function detectVm(baseDir: string, forced?: Accel): Promise<DetectResult & { accel?: Accel }> {
  const qemu = qemuVersion();
  if (!qemu || !hasTool("qemu-img")) {
    return { available: false, reason: "QEMU is not installed (qemu-system-x86_64, qemu-img)", installHint: installHint() };
  }
  const manifest = readManifest(baseDir);
  if (!manifest) {
    return { available: false, reason: `no VM base image in ${baseDir}`, installHint: "swarmctl vm init-base", details: { qemu } };
  }
  if (forced) return { available: true, accel: forced, details: { qemu, accel: forced, base: manifest.id, forced: true }, warnings: [] };
  const cacheFile = path.join(baseDir, "accel-probe.json");
  let cache: ProbeCache | null = null;
  try {
    cache = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as ProbeCache;
  } catch {
    cache = null;
  }
  if (!cache || cache.baseId !== manifest.id || cache.qemu !== qemu) {
    const kvmError = await probeKvm(baseDir);
    cache = { baseId: manifest.id, qemu, accel: kvmError ? "tcg" : "kvm", ...(kvmError ? { kvmError } : {}) };
    fs.writeFileSync(cacheFile, JSON.stringify(cache, null, 2) + "\n");
  }
  const warnings = cache.accel === "tcg" ? [`KVM unusable (${cache.kvmError}); using TCG software emulation: guests run 5-14x slower`] : [];
  return { available: true, accel: cache.accel, warnings, details: { qemu, accel: cache.accel, base: manifest.id } };
}
