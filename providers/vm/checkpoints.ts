/**
 * Checkpoints as qcow2 layers. Taking one stops the VM for an instant, switches it onto a
 * fresh top layer (`blockdev-snapshot-sync`), so the old top layer is frozen as the
 * checkpoint's disk, saves RAM state beside it, and lets the VM run on. Restoring puts a
 * new layer over the checkpoint's and loads its RAM state. Nothing is copied.
 */
import fs from "node:fs";
import path from "node:path";
import { checkName } from "../../protocol/names.js";
import { SwarmError } from "../../protocol/errors.js";
import type { CheckpointInfo, EnvHandle } from "../types.js";
import { execInGuest } from "./agent-client.js";
import { vmDirs } from "./layout.js";
import { bootFromState, coldBoot, layerName, saveData, vmData, type VmData } from "./boot.js";
import { Qmp } from "./qmp.js";
import { createOverlay, ensureMux, kill, vmRunning } from "./qemu.js";

interface StoredCheckpoint extends CheckpointInfo {
  layer: string;
  /** RAM state; absent when taken from a stopped VM (restore then cold boots) */
  state?: string;
  cpus: number;
  memoryMiB: number;
  accel: string;
  /** absent in checkpoints from before VM networking: none */
  net?: string;
}

function ckptDir(data: VmData, name: string): string {
  return path.join(vmDirs(data.dir).checkpoints, name);
}

function defaultName(): string {
  return new Date().toISOString().replace(/[:]/g, "-").replace(/\..*$/, "Z");
}

function dirBytes(p: string): number {
  try {
    return fs.statSync(p).blocks * 512;
  } catch {
    return 0;
  }
}

export async function checkpointVm(h: EnvHandle, requested: string): Promise<CheckpointInfo> {
  const data = vmData(h);
  const name = requested || defaultName();
  const bad = checkName(name);
  if (bad) throw new SwarmError("INVALID_ARGUMENT", `bad checkpoint name: ${bad}`, { hint: "letters, digits, '-', '_', '.'" });
  const dir = ckptDir(data, name);
  if (fs.existsSync(dir)) throw new SwarmError("CONFLICT", `checkpoint ${name} of ${h.name} already exists`, { hint: "pick another name" });
  fs.mkdirSync(dir, { recursive: true });
  const d = vmDirs(data.dir);
  const frozen = data.disk;
  const next = path.join(d.layers, layerName());
  const info: StoredCheckpoint = {
    name,
    createdAt: new Date().toISOString(),
    provider: "vm",
    base: data.baseId,
    layer: frozen,
    cpus: data.cpus,
    memoryMiB: data.memoryMiB,
    accel: data.accel,
    net: data.net ?? "none",
  };
  try {
    if (vmRunning(d)) {
      await ensureMux(d);
      await execInGuest(d.muxSock, { cwd: "/", argv: ["sync"], env: {} }, { timeoutMs: 30_000 });
      const q = await Qmp.connect(d.qmpSock);
      try {
        await q.command("stop");
        await q.command("blockdev-snapshot-sync", { device: "root", "snapshot-file": next, format: "qcow2" });
        info.state = path.join(dir, "state");
        await q.saveState(info.state);
        await q.command("cont");
      } finally {
        q.close();
      }
    } else {
      await createOverlay(next, frozen, "qcow2");
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  data.disk = next;
  saveData(data);
  info.bytes = dirBytes(frozen) + (info.state ? dirBytes(info.state) : 0);
  fs.writeFileSync(path.join(dir, "info.json"), JSON.stringify(info, null, 2) + "\n");
  return publicInfo(info);
}

function publicInfo(s: StoredCheckpoint): CheckpointInfo {
  return { name: s.name, createdAt: s.createdAt, provider: s.provider, base: s.base, ...(s.bytes !== undefined ? { bytes: s.bytes } : {}) };
}

function readCheckpoint(data: VmData, name: string): StoredCheckpoint | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(ckptDir(data, name), "info.json"), "utf8")) as StoredCheckpoint;
  } catch {
    return null;
  }
}

export async function listVmCheckpoints(h: EnvHandle): Promise<CheckpointInfo[]> {
  const data = vmData(h);
  const root = vmDirs(data.dir).checkpoints;
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((n) => readCheckpoint(data, n))
    .filter((c): c is StoredCheckpoint => c !== null)
    .map(publicInfo)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function restoreVm(h: EnvHandle, name: string): Promise<EnvHandle> {
  const data = vmData(h);
  const c = readCheckpoint(data, name);
  if (!c) throw new SwarmError("NOT_FOUND", `${h.name} has no checkpoint named ${name}`, { hint: `list them with \`swarmctl env checkpoints ${h.name}\`` });
  if (c.provider !== "vm") {
    throw new SwarmError("CONFLICT", `checkpoint ${name} was made by the ${c.provider} provider, not vm`, {
      hint: "restore it into an environment of that provider",
    });
  }
  if (c.base !== data.baseId) {
    throw new SwarmError("CONFLICT", `checkpoint ${name} belongs to VM base ${c.base}, but ${h.name} runs on base ${data.baseId}`, {
      hint: "restore it into an environment created from that base",
    });
  }
  // The saved devices include the NIC, and the network mode is what the environment promised.
  if ((c.net ?? "none") !== (data.net ?? "none")) {
    throw new SwarmError("CONFLICT", `checkpoint ${name} was taken with network "${c.net ?? "none"}", but ${h.name} has network "${data.net ?? "none"}"`, {
      hint: "restore it into an environment created with that --net",
    });
  }
  if (!fs.existsSync(c.layer)) throw new SwarmError("NOT_FOUND", `checkpoint ${name} lost its disk layer ${c.layer}`);
  const d = vmDirs(data.dir);
  const old = data.disk;
  await kill(d);
  data.disk = path.join(d.layers, layerName());
  await createOverlay(data.disk, c.layer, "qcow2");
  // RAM state only fits a VM of the same shape; otherwise boot the checkpoint's disk cold.
  const sameShape = c.cpus === data.cpus && c.memoryMiB === data.memoryMiB && c.accel === data.accel;
  if (c.state && sameShape && fs.existsSync(c.state)) await bootFromState(data, c.state);
  else await coldBoot(data);
  data.bootedFrom = "checkpoint";
  saveData(data);
  // The replaced top layer backs nothing (checkpoints always freeze a layer below the top).
  if (old !== data.disk && !isCheckpointLayer(data, old)) fs.rmSync(old, { force: true });
  return { ...h, data };
}

function isCheckpointLayer(data: VmData, layer: string): boolean {
  const root = vmDirs(data.dir).checkpoints;
  if (!fs.existsSync(root)) return false;
  return fs.readdirSync(root).some((n) => readCheckpoint(data, n)?.layer === layer);
}
