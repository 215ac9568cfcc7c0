/**
 * The steps of a VM base build (base-image.ts initBase runs them in order, timing each):
 * the kernel from its Debian package, the static guest agent and host bridge, the
 * initramfs with the virtio modules, and the busybox root disk. Each writes into the build's
 * work folder or its output layout and nothing else.
 */
import { execFile as execFileCb } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { SwarmError } from "../../protocol/errors.js";
import { guestSourceDir, type BaseLayout } from "./layout.js";
import { extractVmlinux } from "./vmlinux.js";

const execFile = promisify(execFileCb);
/** virtio_net needs failover and net_failover; the init loads those three only when there is a NIC */
const MODULES = ["virtio", "virtio_ring", "virtio_mmio", "virtio_blk", "virtio_console", "failover", "net_failover", "virtio_net"];
const BUSYBOX = "/bin/busybox";

export function installHint(): string {
  return "apt-get update && apt-get install -y qemu-system-x86 qemu-utils busybox-static cpio e2fsprogs gcc libc6-dev lz4 zstd xz-utils";
}

/** Runs a host tool; a missing one or a failure is UNAVAILABLE saying what to install or check. */
export async function run(file: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  try {
    const r = await execFile(file, args, { cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
    return r.stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: string };
    if (err.code === "ENOENT") {
      throw new SwarmError("UNAVAILABLE", `\`${file}\` is not installed`, { hint: installHint() });
    }
    throw new SwarmError("UNAVAILABLE", `\`${file} ${args.join(" ")}\` failed: ${(err.stderr || err.message).trim().slice(0, 600)}`, {
      hint: "check the message above; init-base needs apt sources for Debian bookworm (`apt-get update`)",
    });
  }
}

/** The kernel package downloaded and unpacked into `kdir`; its compressed payload inflated to a plain vmlinux. */
export async function buildKernel(work: string, kernelPackage: string, kdir: string, L: BaseLayout): Promise<void> {
  await run("apt-get", ["download", "-q", kernelPackage], { cwd: work });
  const deb = fs.readdirSync(work).find((f) => f.startsWith(kernelPackage) && f.endsWith(".deb"));
  if (!deb) throw new SwarmError("UNAVAILABLE", `apt-get download ${kernelPackage} produced no .deb`);
  await run("dpkg", ["-x", path.join(work, deb), kdir]);
  const bootDir = path.join(kdir, "boot");
  const vmlinuz = fs.readdirSync(bootDir).find((f) => f.startsWith("vmlinuz-"));
  if (!vmlinuz) throw new SwarmError("INTERNAL", `no vmlinuz in ${deb}`);
  await extractVmlinux(path.join(bootDir, vmlinuz), L.vmlinux);
}

/** The guest agent (into the work folder, for the root disk) and the host bridge (into the base). */
export async function buildAgent(agentBin: string, L: BaseLayout): Promise<void> {
  await run("gcc", ["-static", "-O2", "-s", "-o", agentBin, path.join(guestSourceDir(), "agent.c")]);
  await run("gcc", ["-static", "-O2", "-s", "-o", L.hostBridge, path.join(guestSourceDir(), "host-bridge.c")]);
}

function copyExecutable(from: string, to: string): void {
  fs.copyFileSync(from, to);
  fs.chmodSync(to, 0o755);
}

/** busybox, the init script and the virtio modules (with a modules.dep), as an uncompressed cpio. */
export async function buildInitramfs(work: string, kdir: string, cpioOut: string): Promise<void> {
  const ir = path.join(work, "initramfs");
  for (const d of ["bin", "dev", "proc", "newroot"]) fs.mkdirSync(path.join(ir, d), { recursive: true });
  copyExecutable(BUSYBOX, path.join(ir, "bin", "busybox"));
  copyExecutable(path.join(guestSourceDir(), "initramfs-init.sh"), path.join(ir, "init"));
  const modRoot = path.join(kdir, "lib", "modules");
  const kver = fs.readdirSync(modRoot)[0]!;
  // in the kernel's own module folder with a modules.dep, so one `modprobe -a` loads them all
  const irMods = path.join(ir, "lib", "modules", kver);
  fs.mkdirSync(irMods, { recursive: true });
  const found = (await run("find", [path.join(modRoot, kver), "-name", "*.ko*"])).split("\n").filter(Boolean);
  for (const m of MODULES) {
    const src = found.find((f) => path.basename(f).replace(/\.ko(\.\w+)?$/, "") === m);
    if (!src) throw new SwarmError("INTERNAL", `kernel package has no ${m} module`);
    if (src.endsWith(".ko")) fs.copyFileSync(src, path.join(irMods, `${m}.ko`));
    else await run("sh", ["-c", `{ unxz -c "$0" 2>/dev/null || zstd -dc "$0"; } > "$1"`, src, path.join(irMods, `${m}.ko`)]);
  }
  await run(BUSYBOX, ["depmod", "-b", ir, kver]);
  // Uncompressed: 2.4 MB the kernel copies instead of inflating under emulation.
  await run("sh", ["-c", 'cd "$0" && find . | cpio -o -H newc --quiet > "$1"', ir, cpioOut]);
}

const FSTAB = [
  "proc /proc proc defaults 0 0",
  "sys /sys sysfs defaults 0 0",
  "devpts /dev/pts devpts ptmxmode=0666,mode=0620 0 0",
  "tmpfs /tmp tmpfs mode=1777 0 0",
  "tmpfs /dev/shm tmpfs defaults 0 0",
];

/** The busybox-only ext4 root disk carrying the agent and the guest's init. */
export async function buildRootfs(work: string, agentBin: string, L: BaseLayout, size: string): Promise<void> {
  const r = path.join(work, "root");
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "root", "work", "etc", "var/tmp"]) {
    fs.mkdirSync(path.join(r, d), { recursive: true });
  }
  copyExecutable(BUSYBOX, path.join(r, "bin", "busybox"));
  const applets = (await run(BUSYBOX, ["--list-full"])).split("\n").filter(Boolean);
  for (const a of applets) {
    const p = path.join(r, a);
    if (fs.existsSync(p)) continue;
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(p), path.join(r, "bin", "busybox")), p);
  }
  copyExecutable(agentBin, path.join(r, "sbin", "swarm-agent"));
  copyExecutable(path.join(guestSourceDir(), "root-init.sh"), path.join(r, "sbin", "swarm-init"));
  fs.writeFileSync(path.join(r, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  fs.writeFileSync(path.join(r, "etc", "group"), "root:x:0:\n");
  fs.writeFileSync(path.join(r, "etc", "hostname"), "swarm\n");
  fs.writeFileSync(path.join(r, "etc", "hosts"), "127.0.0.1 localhost swarm\n::1 localhost\n");
  fs.writeFileSync(path.join(r, "etc", "fstab"), FSTAB.join("\n") + "\n");
  fs.chmodSync(path.join(r, "tmp"), 0o1777);
  await run("mkfs.ext4", ["-q", "-F", "-L", "swarmroot", "-d", r, L.rootImg, size]);
}
