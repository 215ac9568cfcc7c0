/**
 * `swarmctl vm init-base`: builds the guest from Debian packages on this host, nothing else:
 *   kernel     linux-image-*-cloud-amd64 via `apt-get download`, unpacked with dpkg -x; its
 *              compressed payload is inflated to a plain vmlinux so QEMU can use PVH entry
 *   initramfs  busybox-static + the virtio modules from the kernel package
 *   root disk  busybox-only ext4 image (`mkfs.ext4 -d`) carrying the guest agent
 *   agent      guest/agent.c compiled static with the host's gcc, and guest/host-bridge.c, the
 *              host-side helper that connects a proxy VM's connections to its proxy
 * The base id is a hash of the inputs (package versions, guest sources), so a second run
 * with the same inputs is a no-op, and checkpoints can tell which base they belong to.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
export { installHint } from "./base-steps.js";
import { pidAlive } from "../../protocol/os.js";
import type { ProgressFn } from "../types.js";
import { buildAgent, buildInitramfs, buildKernel, buildRootfs, run } from "./base-steps.js";
import { baseLayout, guestSourceDir, type BaseLayout } from "./layout.js";

/** bump when the builder itself (not a guest file) changes what it makes */
const BUILDER_VERSION = 5;
const ROOT_SIZE = "2G";
const GUEST_FILES = ["agent.c", "initramfs-init.sh", "root-init.sh", "host-bridge.c"];

/** A type, not an interface, so it fits providers/types.ts BaseImageManifest (an index signature). */
export type BaseManifest = {
  id: string;
  /** folder under the base dir holding this build; older builds stay while disks back onto them */
  image: string;
  builtAt: string;
  kernelPackage: string;
  kernelVersion: string;
  busybox: string;
  rootfs: "busybox";
  inputs: Record<string, string>;
};

export interface InitBaseResult {
  upToDate: boolean;
  manifest: BaseManifest;
  phases: { phase: string; ms: number }[];
}

/** The versions that decide what gets built, read without downloading anything. */
async function readInputs(): Promise<{ kernelPackage: string; kernelVersion: string; busybox: string; inputs: Record<string, string> }> {
  const show = await run("apt-cache", ["show", "--no-all-versions", "linux-image-cloud-amd64"]);
  const dep = /^Depends:.*?(linux-image-[0-9][^\s,(]*)/m.exec(show)?.[1];
  const ver = /^Version:\s*(\S+)/m.exec(show)?.[1];
  if (!dep || !ver) {
    throw new SwarmError("UNAVAILABLE", "apt does not know linux-image-cloud-amd64", { hint: "run `apt-get update` with Debian bookworm sources" });
  }
  const busybox = (await run("dpkg-query", ["-W", "-f", "${Version}", "busybox-static"]).catch(() => "")).trim();
  if (!busybox) throw new SwarmError("UNAVAILABLE", "busybox-static is not installed", { hint: "apt-get install -y busybox-static" });
  const inputs: Record<string, string> = { builder: String(BUILDER_VERSION), kernel: `${dep}=${ver}`, busybox, rootSize: ROOT_SIZE };
  for (const f of GUEST_FILES) {
    inputs[f] = createHash("sha256")
      .update(fs.readFileSync(path.join(guestSourceDir(), f)))
      .digest("hex")
      .slice(0, 16);
  }
  return { kernelPackage: dep, kernelVersion: ver, busybox, inputs };
}

export function baseIdOf(inputs: Record<string, string>): string {
  const canon = JSON.stringify(
    Object.keys(inputs)
      .sort()
      .map((k) => [k, inputs[k]]),
  );
  return createHash("sha256").update(canon).digest("hex").slice(0, 16);
}

export function readManifest(dir: string): BaseManifest | null {
  try {
    return JSON.parse(fs.readFileSync(baseLayout(dir).manifest, "utf8")) as BaseManifest;
  } catch {
    return null;
  }
}

/** The built base, or a clear error saying how to build it. */
export function requireBase(dir: string): { layout: BaseLayout; manifest: BaseManifest } {
  const manifest = readManifest(dir);
  const layout = baseLayout(path.join(dir, manifest?.image ?? "-"));
  if (!manifest || !fs.existsSync(layout.rootImg) || !fs.existsSync(layout.vmlinux)) {
    throw new SwarmError("UNAVAILABLE", `no VM base image in ${dir}`, { hint: "build it with `swarmctl vm init-base` (about 10 s)" });
  }
  return { layout, manifest };
}

async function phase<T>(phases: InitBaseResult["phases"], name: string, progress: ProgressFn | undefined, fn: () => Promise<T>): Promise<T> {
  progress?.({ phase: name, message: "started" });
  const t0 = performance.now();
  const r = await fn();
  const ms = Math.round(performance.now() - t0);
  phases.push({ phase: name, ms });
  progress?.({ phase: name, message: `done in ${(ms / 1000).toFixed(1)} s` });
  return r;
}

/** Work folders are named after the building process, so a later build can tell whose are abandoned. */
const WORK_PREFIX = "swarm-vm-base-";
const leftoverPid = (name: string, re: RegExp): number | null => {
  const pid = Number(re.exec(name)?.[1] ?? NaN);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
};

/**
 * Removes what builds by processes that are gone left behind: `<dir>/<image>.build-<pid>`
 * folders and `$TMPDIR/swarm-vm-base-<pid>-*` work folders. A live pid's are kept, even when
 * that pid now belongs to something else: a leftover kept is harmless, a build removed is not.
 */
export function removeAbandonedBuilds(dir: string): string[] {
  const removed: string[] = [];
  const sweep = (parent: string, re: RegExp): void => {
    let names: string[] = [];
    try {
      names = fs.readdirSync(parent);
    } catch {
      return;
    }
    for (const name of names) {
      const pid = leftoverPid(name, re);
      if (pid === null || pid === process.pid || pidAlive(pid)) continue;
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
      removed.push(path.join(parent, name));
    }
  };
  sweep(dir, /\.build-(\d+)$/);
  sweep(os.tmpdir(), new RegExp(`^${WORK_PREFIX}(\\d+)-`));
  return removed;
}

export async function initBase(dir: string, opts: { force?: boolean; progress?: ProgressFn } = {}): Promise<InitBaseResult> {
  const phases: InitBaseResult["phases"] = [];
  removeAbandonedBuilds(dir);
  const info = await phase(phases, "inputs", opts.progress, readInputs);
  const id = baseIdOf(info.inputs);
  const existing = readManifest(dir);
  if (!opts.force && existing?.id === id && existing.image && fs.existsSync(baseLayout(path.join(dir, existing.image)).rootImg)) {
    return { upToDate: true, manifest: existing, phases };
  }
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `${WORK_PREFIX}${process.pid}-`));
  const image = `${id}-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}`;
  const out = path.join(path.resolve(dir), `${image}.build-${process.pid}`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const L = baseLayout(out);
  try {
    const kdir = path.join(work, "kernel");
    const agentBin = path.join(work, "swarm-agent");
    await phase(phases, "kernel", opts.progress, () => buildKernel(work, info.kernelPackage, kdir, L));
    await phase(phases, "agent", opts.progress, () => buildAgent(agentBin, L));
    await phase(phases, "initramfs", opts.progress, () => buildInitramfs(work, kdir, path.join(out, "initrd.cpio")));
    await phase(phases, "rootfs", opts.progress, () => buildRootfs(work, agentBin, L, ROOT_SIZE));
    const manifest: BaseManifest = {
      id,
      image,
      builtAt: new Date().toISOString(),
      kernelPackage: info.kernelPackage,
      kernelVersion: info.kernelVersion,
      busybox: info.busybox,
      rootfs: "busybox",
      inputs: info.inputs,
    };
    fs.writeFileSync(L.manifest, JSON.stringify(manifest, null, 2) + "\n");
    // A new build gets a new folder and the pointer moves last: a half-built base is never
    // the base, and disks of existing environments keep their backing files.
    fs.renameSync(out, path.join(dir, image));
    const top = baseLayout(dir).manifest;
    fs.writeFileSync(`${top}.tmp`, JSON.stringify(manifest, null, 2) + "\n");
    fs.renameSync(`${top}.tmp`, top);
    return { upToDate: false, manifest, phases };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
}
