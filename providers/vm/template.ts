/**
 * Saved template VMs. Booting under TCG takes seconds; loading a saved VM state takes a
 * fraction of one. A template is one VM per (base, accelerator, vCPUs, RAM), booted until its
 * agent answers, then migrated to a file. The network mode is part of the shape: a saved
 * state only loads into a VM with the same devices, so each mode (no NIC, NIC, restricted
 * NIC) has its own template. Its disk layer is frozen as the backing of every
 * environment made from it, so the loaded RAM (page cache included) matches the disk.
 */
import fs from "node:fs";
import path from "node:path";
import { Qmp } from "./qmp.js";
import { createOverlay, kill, launch, waitReady, type VmShape } from "./qemu.js";
import { vmDirs, type BaseLayout } from "./layout.js";
import { reclaimVm } from "./reclaim.js";
import type { BaseManifest } from "./base-image.js";

export interface Template {
  dir: string;
  disk: string;
  state: string;
}

const building = new Map<string, Promise<Template>>();

export function templateDir(stateDir: string, image: string, shape: VmShape): string {
  return path.join(stateDir, "templates", `${image}-${shape.accel}-net${shape.net}-${shape.cpus}c-${shape.memoryMiB}m`);
}

async function build(dir: string, base: BaseLayout, shape: VmShape): Promise<Template> {
  const t: Template = { dir, disk: path.join(dir, "disk.qcow2"), state: path.join(dir, "state") };
  const ready = path.join(dir, "ready");
  if (fs.existsSync(ready)) return t;
  const d = vmDirs(dir);
  // A build a dead daemon left midway may still have its QEMU running: end it first.
  await reclaimVm(d);
  fs.mkdirSync(dir, { recursive: true });
  try {
    await createOverlay(t.disk, base.rootImg, "raw");
    await launch(base, shape, t.disk, d);
    await waitReady(d, 120_000);
    const q = await Qmp.connect(d.qmpSock);
    try {
      // Stopped first, so the state and the disk layer are captured at the same instant.
      await q.command("stop");
      await q.saveState(t.state);
    } finally {
      q.close();
    }
    await kill(d);
    fs.writeFileSync(ready, new Date().toISOString());
    return t;
  } catch (e) {
    await kill(d);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The template for this shape, built on first use; concurrent callers share one build. */
export function ensureTemplate(stateDir: string, base: BaseLayout, manifest: BaseManifest, shape: VmShape): Promise<Template> {
  const dir = templateDir(stateDir, manifest.image, shape);
  let p = building.get(dir);
  if (!p) {
    p = build(dir, base, shape).finally(() => building.delete(dir));
    building.set(dir, p);
  }
  return p;
}
