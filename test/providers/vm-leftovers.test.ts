/**
 * What a VM leaves behind after a crash, and what cleaning up may touch: real processes
 * (proxy-main, stand-ins named like another SWARM_HOME's VM) and a real QEMU that fails to start.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pidAlive } from "../../protocol/os.js";
import { waitFor } from "../helpers/daemon.js";
import { baseLayout, helperScript, vmDirs } from "../../providers/vm/layout.js";
import { launch } from "../../providers/vm/qemu.js";
import { reclaimVm } from "../../providers/vm/reclaim.js";
import { removeAbandonedBuilds } from "../../providers/vm/base-image.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vmleft-"));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  fs.rmSync(root, { recursive: true, force: true });
});

/** A process that just waits, with `args` in its command line. */
function idle(...args: string[]): ChildProcess {
  const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)", "--", ...args], { stdio: "ignore" });
  children.push(c);
  return c;
}

/** True once `c` runs its own program: right after fork its /proc cmdline is still this process's. */
const execed = (c: ChildProcess): boolean =>
  c.pid !== undefined && pidAlive(c.pid) && fs.readFileSync(`/proc/${c.pid}/cmdline`, "utf8") === c.spawnargs.join("\0") + "\0";

const exited = (c: ChildProcess): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once("exit", () => r()));

describe("vm leftovers", () => {
  it("reclaim kills processes naming this VM's files, not another home's whose paths end in ours", async () => {
    const d = vmDirs(path.join(root, "home-a", "vms", "foo"));
    fs.mkdirSync(d.dir, { recursive: true });
    fs.mkdirSync(d.sockDir, { recursive: true });
    const ours = [idle(d.muxSock), idle("-daemonize", "-pidfile", d.qemuPid)];
    // another SWARM_HOME whose folders end in ours, so substrings of its args equal our paths
    const theirs = [idle(path.join("/srv/other", d.qemuPid)), idle(path.join("/srv/other", d.sockDir, "mux.sock")), idle(`x${d.muxSock}`)];
    // reclaim finds them by their command lines, so wait until those are theirs
    await waitFor("the stand-ins to start", () => [...ours, ...theirs].every(execed));
    await reclaimVm(d);
    await Promise.all(ours.map(exited));
    for (const c of theirs) expect(c.exitCode === null && c.signalCode === null, `${c.spawnargs.join(" ")} was killed`).toBe(true);
    expect(fs.existsSync(d.dir)).toBe(false);
    expect(fs.existsSync(d.sockDir)).toBe(false);
  });

  it("launch stops the proxy left from before a crash, and leaves a reused pid alone", async () => {
    const d = vmDirs(path.join(root, "home-b", "vms", "bar"));
    fs.mkdirSync(d.dir, { recursive: true });
    // a live pid file for the proxy's "QEMU", so proxy-main does not leave on its own
    const fakeQemu = path.join(root, "alive.pid");
    fs.writeFileSync(fakeQemu, String(process.pid));
    fs.mkdirSync(d.sockDir, { recursive: true, mode: 0o700 });
    const oldProxy = spawn(process.execPath, [helperScript("proxy-main.js"), d.proxySock, fakeQemu, "[]"], { stdio: "ignore" });
    children.push(oldProxy);
    await waitFor("the old proxy to listen", () => fs.existsSync(d.proxySock));
    fs.writeFileSync(d.proxyPid, String(oldProxy.pid));
    const base = baseLayout(path.join(root, "no-base"));
    const shape = { cpus: 1, memoryMiB: 128, accel: "tcg" as const, net: "none" as const };
    // no kernel: QEMU fails at once, after launch has dealt with the old proxy
    await expect(launch(base, shape, path.join(root, "none.qcow2"), d)).rejects.toThrow(/QEMU did not start/);
    await waitFor("the old proxy to be gone", () => oldProxy.exitCode !== null || oldProxy.signalCode !== null, 5_000);
    expect(fs.existsSync(d.proxyPid)).toBe(false);

    // a stale pid file whose pid now belongs to something else: not ours to kill
    const stranger = idle("unrelated");
    await waitFor("the stranger to start", () => stranger.pid !== undefined && pidAlive(stranger.pid));
    fs.writeFileSync(d.proxyPid, String(stranger.pid));
    await expect(launch(base, shape, path.join(root, "none.qcow2"), d)).rejects.toThrow(/QEMU did not start/);
    expect(stranger.exitCode === null && stranger.signalCode === null).toBe(true);
  });

  it("a base build removes build and work folders of builders that are gone, and keeps live ones", async () => {
    const gone = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await exited(gone);
    const alive = idle();
    await waitFor("the live builder to start", () => alive.pid !== undefined && pidAlive(alive.pid));
    const dir = path.join(root, "base");
    const stale = [path.join(dir, `abc-1.build-${gone.pid}`), path.join(os.tmpdir(), `swarm-vm-base-${gone.pid}-x1`)];
    const kept = [path.join(dir, `abc-2.build-${alive.pid}`), path.join(os.tmpdir(), `swarm-vm-base-${alive.pid}-x2`), path.join(dir, "abc-3")];
    for (const f of [...stale, ...kept]) fs.mkdirSync(f, { recursive: true });
    try {
      const removed = removeAbandonedBuilds(dir);
      // other abandoned work folders in the shared tmpdir may go too, so no exact list
      expect(removed).toEqual(expect.arrayContaining(stale));
      for (const f of kept) expect(removed).not.toContain(f);
      for (const f of stale) expect(fs.existsSync(f), f).toBe(false);
      for (const f of kept) expect(fs.existsSync(f), f).toBe(true);
    } finally {
      for (const f of kept) fs.rmSync(f, { recursive: true, force: true });
    }
  });
});
