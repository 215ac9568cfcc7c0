/**
 * `swarmctl vm status` is the daemon's `vm.status`: the base folder, the base in it and
 * the detection are the daemon's, whatever the CLI's own environment says. Needs no VM:
 * an empty base folder is "not available" with a hint whether or not QEMU is installed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";

describe("vm status through the daemon", () => {
  let d: TestDaemon;
  const daemonBase = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vm-status-daemon-"));
  beforeAll(async () => {
    d = await startDaemon({ extraEnv: { SWARM_VM_BASE_DIR: daemonBase } });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
    fs.rmSync(d.home, { recursive: true, force: true });
    fs.rmSync(daemonBase, { recursive: true, force: true });
  }, 60_000);

  it("reports the daemon's base folder, not one the CLI would compute; the human form exits UNAVAILABLE (7) when VMs cannot run", async () => {
    const cliEnv = { ...d.env, SWARM_VM_BASE_DIR: path.join(os.tmpdir(), "swarm-vm-status-not-the-daemons") };
    const human = await swarmctl(cliEnv, ["vm", "status"], { timeoutMs: 60_000 });
    expect(human.code, human.stderr).toBe(7);
    expect(human.stdout).toContain(`dir        ${daemonBase}`);
    expect(human.stdout).toMatch(/^base\s+none$/m);
    const r = await swarmctl(cliEnv, ["vm", "status", "--json"], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { dir: string; base: unknown; available: boolean; reason: string | null; installHint: string | null; warnings: string[] };
    expect(s).toMatchObject({ dir: daemonBase, base: null, available: false, warnings: [] });
    expect(s.reason).toMatch(/QEMU is not installed|no VM base image in/);
    expect(s.installHint).toMatch(/apt-get install|swarmctl vm init-base/);
  }, 90_000);

  it("resolves a relative --dir where the user is; the daemon refuses a relative dir sent to it", async () => {
    const r = await swarmctl(d.env, ["vm", "status", "--dir", "relative-base", "--json"], { timeoutMs: 60_000 });
    expect(JSON.parse(r.stdout)).toMatchObject({ dir: path.resolve("relative-base") });
    const c = await d.client();
    const err = await c.call("vm.status", { dir: "relative-base" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "INVALID_ARGUMENT", message: expect.stringMatching(/must be an absolute path/) });
  }, 90_000);
});
