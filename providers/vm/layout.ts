/**
 * Where the vm provider keeps things, and how host-side helper scripts are found both when
 * running from dist/ and from sources under vitest.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { distScript, repoRoot } from "../common/dist-path.js";

/** A compiled helper (mux.js, pty-client.js); always the dist/ build, since node runs it directly. */
export function helperScript(name: string): string {
  return distScript("providers", "vm", name);
}

export function guestSourceDir(): string {
  return path.join(repoRoot(), "providers", "vm", "guest");
}

export interface BaseLayout {
  dir: string;
  vmlinux: string;
  initrd: string;
  rootImg: string;
  manifest: string;
  /** host-side helper QEMU runs per guest connection to the proxy (net = proxy) */
  hostBridge: string;
}

export function baseLayout(dir: string): BaseLayout {
  return {
    dir,
    vmlinux: path.join(dir, "vmlinux"),
    // uncompressed since builder 4 (nothing to inflate under TCG); older builds have .gz
    initrd: fs.existsSync(path.join(dir, "initrd.cpio.gz")) ? path.join(dir, "initrd.cpio.gz") : path.join(dir, "initrd.cpio"),
    rootImg: path.join(dir, "root.img"),
    manifest: path.join(dir, "manifest.json"),
    hostBridge: path.join(dir, "host-bridge"),
  };
}

export interface VmDirs {
  dir: string;
  layers: string;
  checkpoints: string;
  /** sockets live in a short path: unix socket paths are limited to 108 bytes */
  sockDir: string;
  agentSock: string;
  muxSock: string;
  qmpSock: string;
  /** the allow-list proxy's socket (net = proxy) */
  proxySock: string;
  qemuPid: string;
  muxPid: string;
  proxyPid: string;
  console: string;
}

export function vmDirs(dir: string): VmDirs {
  const sockDir = path.join(os.tmpdir(), "swarmvm-" + createHash("sha256").update(path.resolve(dir)).digest("hex").slice(0, 12));
  return {
    dir,
    layers: path.join(dir, "layers"),
    checkpoints: path.join(dir, "checkpoints"),
    sockDir,
    agentSock: path.join(sockDir, "agent.sock"),
    muxSock: path.join(sockDir, "mux.sock"),
    qmpSock: path.join(sockDir, "qmp.sock"),
    proxySock: path.join(sockDir, "proxy.sock"),
    qemuPid: path.join(dir, "qemu.pid"),
    muxPid: path.join(dir, "mux.pid"),
    proxyPid: path.join(dir, "proxy.pid"),
    console: path.join(dir, "console.log"),
  };
}
