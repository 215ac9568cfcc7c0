/**
 * A VM's network (R-E10), all through QEMU's user-mode stack (slirp), which needs no root
 * and no host interfaces:
 *   none   no NIC at all
 *   full   a virtio NIC on slirp: the guest reaches what the host reaches (10.0.2.2 = host loopback)
 *   proxy  the same NIC with `restrict=on`, which drops everything the guest sends except
 *          to one forwarded address, PROXY_ADDR, whose connections QEMU hands to host-bridge,
 *          which pipes them to this VM's allow-list proxy. Anything else fails closed.
 * The guest configures itself statically (slirp's defaults) when its kernel command line
 * says `swarmnet=full|proxy` (see guest/initramfs-init.sh and guest/root-init.sh); with
 * proxy it gets no DNS server, so name lookups fail at once instead of timing out.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { pidAlive, readPidFile } from "../../protocol/os.js";
import { pollUntil } from "../../protocol/wait.js";
import type { NetMode } from "../types.js";
import { helperScript, type BaseLayout, type VmDirs } from "./layout.js";

export const PROXY_HOST = "10.0.2.100";
export const PROXY_PORT = 3128;
export const PROXY_URL = `http://${PROXY_HOST}:${PROXY_PORT}`;

/** QEMU option values separate with commas; a literal comma is written twice. */
function optValue(v: string): string {
  return v.replace(/,/g, ",,");
}

/** slirp splits the guestfwd command like a shell would (no shell runs it). */
function shellQuote(v: string): string {
  return `'${v.replace(/'/g, "'\\''")}'`;
}

/** QEMU arguments for the NIC, and what the kernel command line must add. */
export function netArgs(net: NetMode, base: BaseLayout, d: VmDirs): { args: string[]; append: string } {
  if (net === "none") return { args: [], append: "" };
  let netdev = "user,id=n0,ipv6=off";
  if (net === "proxy") {
    const cmd = `${shellQuote(base.hostBridge)} ${shellQuote(d.proxySock)}`;
    netdev += `,restrict=on,guestfwd=tcp:${PROXY_HOST}:${PROXY_PORT}-cmd:${optValue(cmd)}`;
  }
  return { args: ["-netdev", netdev, "-device", "virtio-net-device,netdev=n0"], append: ` swarmnet=${net}` };
}

/** Variables every command in a proxy VM gets, so ordinary tools find the way out. */
export function proxyEnv(net: NetMode): Record<string, string> {
  if (net !== "proxy") return {};
  return { HTTP_PROXY: PROXY_URL, HTTPS_PROXY: PROXY_URL, http_proxy: PROXY_URL, https_proxy: PROXY_URL };
}

/** Starts the VM's allow-list proxy as a detached process (it outlives the daemon, as the VM does). */
export function spawnProxy(d: VmDirs, allow: string[]): void {
  fs.rmSync(d.proxySock, { force: true });
  const log = fs.openSync(`${d.dir}/proxy.log`, "a");
  const p = spawn(process.execPath, [helperScript("proxy-main.js"), d.proxySock, d.qemuPid, JSON.stringify(allow)], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  p.unref();
  fs.writeFileSync(d.proxyPid, String(p.pid));
}

/** Restarts the proxy if it died (e.g. killed by hand); true when it had to. */
export function ensureProxy(d: VmDirs, allow: string[]): boolean {
  const pid = readPidFile(d.proxyPid);
  if (pid !== null && pidAlive(pid)) return false;
  spawnProxy(d, allow);
  return true;
}

/** Waits until the proxy listens, when this VM has one. */
export async function waitProxy(d: VmDirs, deadline: number): Promise<boolean> {
  if (!fs.existsSync(d.proxyPid)) return true;
  const state = (): "listening" | "gone" | false => {
    if (fs.existsSync(d.proxySock)) return "listening";
    const pid = readPidFile(d.proxyPid);
    return pid === null || !pidAlive(pid) ? "gone" : false;
  };
  return (await pollUntil(state, { timeoutMs: Math.max(0, deadline - Date.now()), everyMs: 5 })) === "listening";
}
