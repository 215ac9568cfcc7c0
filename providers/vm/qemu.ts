/**
 * Starting and stopping one microVM: the QEMU command line, its detached multiplexer, and
 * waiting until the guest agent answers.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { SwarmError } from "../../protocol/errors.js";
import { pidAlive, readPidFile } from "../../protocol/os.js";
import { pollUntil, waitUntil } from "../../protocol/wait.js";
import { ping } from "./agent-client.js";
import { Qmp } from "./qmp.js";
import { helperScript, type BaseLayout, type VmDirs } from "./layout.js";
import { netArgs, spawnProxy, waitProxy } from "./net.js";
import type { NetMode } from "../types.js";

export type Accel = "kvm" | "tcg";

export interface VmShape {
  cpus: number;
  memoryMiB: number;
  accel: Accel;
  /** decides the NIC, so templates and saved states exist per network mode */
  net: NetMode;
}

/**
 * The host's TSC rate, which is what a TCG guest's TSC ticks at. Telling the guest skips
 * its calibration (concurrent TCG boots hang in it) and keeps its clock right from the start.
 */
function tscKhz(): number {
  try {
    const info = fs.readFileSync("/proc/cpuinfo", "utf8");
    const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(info)?.[1];
    if (/\bconstant_tsc\b/.test(info) && mhz && Number(mhz) > 100) return Math.round(Number(mhz) * 1000);
  } catch {
    /* no /proc: fall through */
  }
  return 2_600_000; // any value skips the calibration; the clocksource watchdog corrects a wrong one
}

/**
 * Kernel command line. Under TCG every guest instruction is emulated, so boot-time work the
 * guest does not need is switched off: CPU vulnerability mitigations (page-table isolation
 * flushes the emulated TLB on every syscall; the VM, not the guest kernel, is the isolation
 * boundary), crypto self-tests, zeroing every allocated page, LSMs and audit (the guest has
 * no policies), probing three unused UARTs, console messages, and three initcalls measured
 * slow under emulation that a guest agent never needs (kprobe trace events, BPF type info,
 * a key-derivation self-test).
 */
const APPEND = [
  "console=ttyS0 quiet loglevel=0 panic=-1 pci=off",
  `tsc_early_khz=${tscKhz()} random.trust_cpu=on`,
  "mitigations=off cryptomgr.notests init_on_alloc=0 8250.nr_uarts=1 audit=0 apparmor=0 security=none",
  "initcall_blacklist=init_kprobe_trace,btf_vmlinux_init,crypto_kdf108_init",
].join(" ");

export function qemuArgs(base: BaseLayout, shape: VmShape, disk: string, d: VmDirs, incoming?: string): string[] {
  const net = netArgs(shape.net, base, d);
  const cpu = shape.accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg", "-cpu", "qemu64"];
  const args = [
    ...cpu,
    "-M",
    "microvm",
    "-m",
    String(shape.memoryMiB),
    "-smp",
    String(shape.cpus),
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-no-reboot",
    "-serial",
    `file:${d.console}`,
    "-kernel",
    base.vmlinux,
    "-initrd",
    base.initrd,
    "-append",
    APPEND + net.append,
    "-drive",
    `id=root,file=${disk},if=none,format=qcow2,cache=writeback`,
    "-device",
    "virtio-blk-device,drive=root",
    "-device",
    "virtio-serial-device",
    "-chardev",
    `socket,id=agent,path=${d.agentSock},server=on,wait=off`,
    "-device",
    "virtserialport,chardev=agent,name=agent",
    ...net.args,
    "-qmp",
    `unix:${d.qmpSock},server=on,wait=off`,
    "-daemonize",
    "-pidfile",
    d.qemuPid,
  ];
  // The saved state comes in on fd 3 (launch opens it): QEMU reads the file itself, ~20%
  // faster than `exec:cat FILE`, whose pipe hands it over 64 KiB at a time.
  if (incoming) args.push("-incoming", "fd:3");
  return args;
}

function run(file: string, args: string[], fd3?: number): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(file, args, { stdio: fd3 === undefined ? ["ignore", "ignore", "pipe"] : ["ignore", "ignore", "pipe", fd3] });
    let stderr = "";
    p.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    p.on("error", (e) => resolve({ code: 127, stderr: e.message }));
    p.on("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

export async function createOverlay(file: string, backing: string, backingFormat: "raw" | "qcow2"): Promise<void> {
  const r = await run("qemu-img", ["create", "-q", "-f", "qcow2", "-F", backingFormat, "-b", backing, file]);
  if (r.code !== 0) throw new SwarmError("UNAVAILABLE", `qemu-img create failed: ${r.stderr.trim()}`, { hint: "apt-get install -y qemu-utils" });
}

export function vmRunning(d: VmDirs): boolean {
  const pid = readPidFile(d.qemuPid);
  return pid !== null && pidAlive(pid);
}

function spawnMux(d: VmDirs): void {
  const log = fs.openSync(`${d.dir}/mux.log`, "a");
  const mux = spawn(process.execPath, [helperScript("mux.js"), d.agentSock, d.muxSock], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  mux.unref();
  fs.writeFileSync(d.muxPid, String(mux.pid));
}

/** Restarts a running VM's multiplexer if it died (QEMU takes a new client on the agent socket). */
export async function ensureMux(d: VmDirs): Promise<void> {
  const pid = readPidFile(d.muxPid);
  if (pid !== null && pidAlive(pid)) return;
  spawnMux(d);
  await waitReady(d, 30_000);
}

export interface LaunchOptions {
  /** a saved state to load instead of booting */
  incoming?: string;
  /** with net = proxy: start the VM's proxy with this allow-list (templates have none) */
  proxyAllow?: string[];
}

/** Boots (or, with `incoming`, restores) the VM detached from us, plus its multiplexer (and proxy). */
export async function launch(base: BaseLayout, shape: VmShape, disk: string, d: VmDirs, opts: LaunchOptions = {}): Promise<void> {
  const { incoming } = opts;
  fs.mkdirSync(d.sockDir, { recursive: true, mode: 0o700 });
  for (const s of [d.agentSock, d.muxSock, d.qmpSock]) fs.rmSync(s, { force: true });
  // The multiplexer starts first: node takes longer to start than QEMU, and it retries
  // connecting to the agent socket until QEMU makes it.
  spawnMux(d);
  // A proxy left from before a crash still serves the old socket path: stop it before ours starts.
  await killStaleProxy(d);
  if (shape.net === "proxy" && opts.proxyAllow) spawnProxy(d, opts.proxyAllow);
  const stateFd = incoming ? fs.openSync(incoming, "r") : undefined;
  let r: { code: number; stderr: string };
  try {
    r = await run("qemu-system-x86_64", qemuArgs(base, shape, disk, d, incoming), stateFd);
  } finally {
    if (stateFd !== undefined) fs.closeSync(stateFd);
  }
  if (r.code !== 0) {
    killPidFile(d.muxPid, "SIGTERM");
    killPidFile(d.proxyPid, "SIGTERM");
    throw new SwarmError("UNAVAILABLE", `QEMU did not start: ${r.stderr.trim().slice(0, 500)}`, {
      hint: r.code === 127 ? "apt-get install -y qemu-system-x86 qemu-utils" : `see ${d.console}`,
    });
  }
}

export async function waitReady(d: VmDirs, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A ping sent before the guest opens its port waits in QEMU and is answered the moment
  // the agent starts; it fails fast (connection closed) if the VM dies, so wait long on it.
  const answered = async (): Promise<boolean> => {
    if (await ping(d.muxSock, 2_000)) return true;
    if (vmRunning(d)) return false;
    const tail = fs.existsSync(d.console) ? fs.readFileSync(d.console, "utf8").split("\n").slice(-5).join("\n") : "";
    throw new SwarmError("UNAVAILABLE", `the VM exited while booting. Last console lines:\n${tail}`, { hint: `full console log: ${d.console}` });
  };
  await waitUntil("the VM's guest agent to answer", answered, { timeoutMs, everyMs: 5, hint: `see the console log ${d.console}` });
  if (!(await waitProxy(d, deadline))) {
    throw new SwarmError("UNAVAILABLE", "the VM's allow-list proxy did not start", { hint: `see ${d.dir}/proxy.log` });
  }
}

function killPidFile(file: string, signal: NodeJS.Signals): number | null {
  const pid = readPidFile(file);
  if (pid !== null && pidAlive(pid)) {
    try {
      process.kill(pid, signal);
    } catch {
      /* exited meanwhile */
    }
    return pid;
  }
  return null;
}

/**
 * Kills the proxy named in the pid file, if that pid is still a proxy for this VM (its argv
 * names our proxy socket: a stale pid may have been reused), and waits until it is gone. SIGKILL:
 * a proxy closing cleanly would remove the socket path its successor is about to listen on.
 */
async function killStaleProxy(d: VmDirs): Promise<void> {
  const pid = readPidFile(d.proxyPid);
  fs.rmSync(d.proxyPid, { force: true });
  if (pid === null || !pidAlive(pid)) return;
  let argv: string[] = [];
  try {
    argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return;
  }
  if (!argv.includes(d.proxySock)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  // not our child, so no exit event: poll, with a deadline
  await pollUntil(() => !pidAlive(pid), { timeoutMs: 5_000, everyMs: 5 });
}

/** Kills QEMU and the multiplexer and waits until QEMU is gone, so its files can be reused. */
export async function kill(d: VmDirs): Promise<void> {
  const pid = killPidFile(d.qemuPid, "SIGKILL");
  killPidFile(d.muxPid, "SIGTERM");
  killPidFile(d.proxyPid, "SIGTERM");
  if (pid !== null) await pollUntil(() => !pidAlive(pid), { timeoutMs: 10_000, everyMs: 5 });
  fs.rmSync(d.qemuPid, { force: true });
  fs.rmSync(d.muxPid, { force: true });
  fs.rmSync(d.proxyPid, { force: true });
  fs.rmSync(d.sockDir, { recursive: true, force: true });
}

/**
 * Stops QEMU the clean way (`quit` flushes the qcow2 metadata it caches in memory), then
 * makes sure with kill(). Use it when the disk must survive; kill() alone when it is discarded.
 */
export async function shutdown(d: VmDirs, timeoutMs = 10_000): Promise<void> {
  const pid = readPidFile(d.qemuPid);
  if (pid !== null && pidAlive(pid)) {
    try {
      const q = await Qmp.connect(d.qmpSock, 2_000);
      await q.command("quit").catch(() => undefined);
      q.close();
      await pollUntil(() => !pidAlive(pid), { timeoutMs, everyMs: 5 });
    } catch {
      /* monitor unreachable: fall through to kill */
    }
  }
  await kill(d);
}
