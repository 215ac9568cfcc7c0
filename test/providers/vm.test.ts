/**
 * The vm provider on a real QEMU: boot from a saved template, exec, a PTY inside through
 * ptyCommand + node-pty, checkpoint/restore, stop/start, bad paths, delete.
 * Runs under TCG here (KVM is probed and found unusable on these hosts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindOf } from "../helpers/errors.js";
import type { EnvHandle, EnvSpec } from "../../providers/types.js";
import { createVmProvider, type VmProvider } from "../../providers/vm/provider.js";
import { vmDirs } from "../../providers/vm/layout.js";
import { waitFor } from "../helpers/daemon.js";
import { VM_SKIP_REASON, ensureTestBase, makeRepo, testContext } from "./vm-fixture.js";

const ctx = testContext();
let provider: VmProvider;
let repo: string;
let h: EnvHandle;

function spec(name: string): EnvSpec {
  return { name, project: "p", repo, branch: `swarm/${name}`, cpus: 1, memoryMiB: 384, net: "none" };
}

describe.skipIf(VM_SKIP_REASON !== null)(`vm provider${VM_SKIP_REASON ? ` (skipped: ${VM_SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    const baseDir = await ensureTestBase();
    provider = createVmProvider(ctx, { baseDir });
    repo = makeRepo();
  }, 300_000);

  afterAll(async () => {
    if (h) await provider.delete(h, { force: true }).catch(() => undefined);
    ctx.cleanup();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it("detect proves an accelerator and says which", async () => {
    const r = await provider.detect();
    expect(r.available).toBe(true);
    expect(["kvm", "tcg"]).toContain(r.details?.accel);
    if (r.details?.accel === "tcg") expect(r.warnings?.join(" ")).toMatch(/KVM unusable/);
  }, 60_000);

  it("creates a VM from a template with the checkout in /work and runs commands", async () => {
    const events: string[] = [];
    h = await provider.create(spec("vm1"), (p) => events.push(p.phase));
    expect(events).toContain("boot");
    expect(h.data.bootedFrom).toBe("template");
    const u = await provider.exec(h, ["uname", "-a"]);
    expect(u.exitCode).toBe(0);
    expect(u.stdout.toString()).toMatch(/^Linux swarm .*x86_64/);
    const readme = await provider.exec(h, ["cat", "README.md"]);
    expect(readme.stdout.toString()).toBe("hello from the repo\n");
    const mixed = await provider.exec(h, ["sh", "-c", 'echo out; echo "$SWARM_TEST_VAR $EXTRA" >&2; exit 3'], { env: { EXTRA: "x" } });
    expect(mixed).toMatchObject({ exitCode: 3, signal: null });
    expect(mixed.stdout.toString()).toBe("out\n");
    expect(mixed.stderr.toString()).toBe("forwarded-value x\n");
    const input = await provider.exec(h, ["wc", "-c"], { input: Buffer.alloc(300_000, 65) });
    expect(input.stdout.toString().trim()).toBe("300000");
    // a command that leaves a large stdin unread must not hold up other commands
    const order: string[] = [];
    const slow = provider.exec(h, ["sh", "-c", "sleep 2; echo slow"], { input: Buffer.alloc(1_000_000, 66) }).then((r) => (order.push("slow"), r));
    const quick = provider.exec(h, ["echo", "quick"]).then((r) => (order.push("quick"), r));
    expect((await quick).stdout.toString()).toBe("quick\n");
    expect((await slow).stdout.toString()).toBe("slow\n");
    expect(order).toEqual(["quick", "slow"]);
    const missing = await provider.exec(h, ["no-such-command"]);
    expect(missing.exitCode).toBe(127);
    expect((await provider.status(h)).state).toBe("running");
  }, 180_000);

  it("runs a real PTY inside the guest through ptyCommand", async () => {
    const cmd = await provider.ptyCommand(h, ["sh"]);
    const term = pty.spawn(cmd.file, cmd.args, { cols: 100, rows: 30, cwd: cmd.cwd, env: { ...process.env, ...cmd.env } as Record<string, string> });
    let screen = "";
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
    term.write("echo hi-$((40+2)); stty size; tty\r");
    await waitFor("hi-42 in the PTY", () => screen.includes("hi-42") && /30 100/.test(screen) && screen.includes("/dev/pts/"), 30_000);
    term.write("exit 5\r");
    expect(await exited).toBe(5);
  }, 60_000);

  it("keeps running without its multiplexer or provider object (a daemon restart), and reconnects", async () => {
    const muxPid = Number(fs.readFileSync(vmDirs(h.data.dir as string).muxPid, "utf8"));
    process.kill(muxPid, "SIGKILL");
    await waitFor("the mux to die", () => {
      try {
        process.kill(muxPid, 0);
        return false;
      } catch {
        return true;
      }
    });
    const fresh = createVmProvider(ctx, { baseDir: provider.baseDir });
    expect((await fresh.status(h)).state).toBe("running");
    const r = await fresh.exec(h, ["cat", "README.md"]);
    expect(r.stdout.toString()).toBe("hello from the repo\n");
  }, 60_000);

  it("refuses paths that leave /work, lexically or through a guest symlink", async () => {
    expect(await kindOf(provider.exec(h, ["true"], { cwd: "../etc" }))).toMatch(/^INVALID_ARGUMENT: .*leaves the working directory/);
    const f = path.join(os.tmpdir(), `swarm-vm-in-${process.pid}.txt`);
    fs.writeFileSync(f, "copied in\n");
    expect(await kindOf(provider.copyIn(h, f, "/etc/x"))).toMatch(/^INVALID_ARGUMENT: .*absolute/);
    await provider.exec(h, ["ln", "-s", "/etc", "escape"]);
    expect(await kindOf(provider.copyIn(h, f, "escape/passwd"))).toMatch(/^INVALID_ARGUMENT: .*symlink/);
    await provider.copyIn(h, f, "sub/in.txt");
    expect((await provider.exec(h, ["cat", "sub/in.txt"])).stdout.toString()).toBe("copied in\n");
    const back = path.join(os.tmpdir(), `swarm-vm-out-${process.pid}`);
    await provider.copyOut(h, "sub", back);
    expect(fs.readFileSync(path.join(back, "in.txt"), "utf8")).toBe("copied in\n");
    fs.rmSync(back, { recursive: true, force: true });
    fs.rmSync(f, { force: true });
  }, 60_000);

  it("checkpoints and restores disk and running state", async () => {
    await provider.exec(h, ["sh", "-c", "echo before > state.txt"]);
    const c = await provider.checkpoint(h, "c1");
    expect(c).toMatchObject({ name: "c1", provider: "vm", base: h.data.baseId });
    await provider.exec(h, ["sh", "-c", "echo after > state.txt"]);
    expect((await provider.exec(h, ["cat", "state.txt"])).stdout.toString()).toBe("after\n");
    h = await provider.restore(h, "c1");
    expect((await provider.exec(h, ["cat", "state.txt"])).stdout.toString()).toBe("before\n");
    const auto = await provider.checkpoint(h, "");
    expect(auto.name).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await provider.listCheckpoints(h)).map((x) => x.name)).toEqual(["c1", auto.name]);
    expect(await kindOf(provider.checkpoint(h, "c1"))).toMatch(/^CONFLICT/);
    expect(await kindOf(provider.restore(h, "nope"))).toMatch(/^NOT_FOUND/);
  }, 120_000);

  it("refuses a checkpoint from another provider or another base, with the reason", async () => {
    const root = vmDirs(h.data.dir as string).checkpoints;
    const real = JSON.parse(fs.readFileSync(path.join(root, "c1", "info.json"), "utf8")) as Record<string, unknown>;
    for (const [name, patch] of [
      ["foreign", { provider: "sandbox" }],
      ["otherbase", { base: "0000000000000000" }],
    ] as const) {
      fs.mkdirSync(path.join(root, name), { recursive: true });
      fs.writeFileSync(path.join(root, name, "info.json"), JSON.stringify({ ...real, name, ...patch }));
    }
    expect(await kindOf(provider.restore(h, "foreign"))).toMatch(/^CONFLICT: .*made by the sandbox provider/);
    expect(await kindOf(provider.restore(h, "otherbase"))).toMatch(/^CONFLICT: .*base 0000000000000000/);
    expect((await provider.exec(h, ["true"])).exitCode).toBe(0);
  }, 30_000);

  it("stops, keeps the disk, starts again with a cold boot", async () => {
    await provider.exec(h, ["sh", "-c", "echo persisted > kept.txt"]);
    await provider.stop(h);
    expect((await provider.status(h)).state).toBe("stopped");
    expect(await kindOf(provider.exec(h, ["true"]))).toMatch(/^INVALID_TRANSITION: .*stopped/);
    await provider.stop(h);
    h = await provider.start(h);
    expect((await provider.exec(h, ["cat", "kept.txt"])).stdout.toString()).toBe("persisted\n");
  }, 180_000);

  it("creates VMs concurrently, sharing one template build for their shape", async () => {
    const names = ["par1", "par2", "par3"];
    const hs = await Promise.all(names.map((n) => provider.create({ ...spec(n), memoryMiB: 320 })));
    try {
      const outs = await Promise.all(hs.map((x) => provider.exec(x, ["cat", "/proc/sys/kernel/random/boot_id"])));
      expect(hs.map((x) => x.data.bootedFrom)).toEqual(["template", "template", "template"]);
      const templates = fs.readdirSync(path.join(ctx.stateDir, "templates")).filter((t) => t.endsWith("-320m"));
      expect(templates).toHaveLength(1);
      // same template, yet each guest reads its own files and runs on its own
      expect(outs.every((o) => o.exitCode === 0)).toBe(true);
      await provider.exec(hs[0]!, ["sh", "-c", "echo only-here > mine.txt"]);
      expect((await provider.exec(hs[1]!, ["cat", "mine.txt"])).exitCode).not.toBe(0);
    } finally {
      await Promise.all(hs.map((x) => provider.delete(x, { force: true })));
    }
  }, 180_000);

  it("refuses to delete with uncommitted changes without force, and deletes with it", async () => {
    expect(await kindOf(provider.delete(h, { force: false }))).toMatch(/^CONFLICT: .*uncommitted changes in .*state.txt/);
    // a stopped VM is booted to look, and left stopped when the delete is refused
    await provider.stop(h);
    expect(await kindOf(provider.delete(h, { force: false }))).toMatch(/^CONFLICT: .*uncommitted changes/);
    expect((await provider.status(h)).state).toBe("stopped");
    const dir = h.data.dir as string;
    await provider.delete(h, { force: true });
    expect(fs.existsSync(dir)).toBe(false);
    expect((await provider.status(h)).state).toBe("deleted");
    expect(await kindOf(provider.create({ ...spec("vm2"), net: "wifi" as EnvSpec["net"] }))).toMatch(/^INVALID_ARGUMENT: .*network mode/);
    expect(await kindOf(provider.create({ ...spec("vm2"), memoryMiB: 64 }))).toMatch(/^INVALID_ARGUMENT: a VM needs at least 128 MiB of RAM, got 64 MiB/);
    expect(await kindOf(provider.create({ ...spec("vm2"), cpus: 1.5 }))).toMatch(/^INVALID_ARGUMENT: a VM takes a whole number of vCPUs, got 1.5/);
  }, 60_000);
});
