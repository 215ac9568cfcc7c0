/**
 * `swarmctl vm init-base|status` through the real CLI and a real daemon (init-base is the
 * daemon's `vm.init_base`, its progress events), plus the builder's bad paths.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SwarmError } from "../../protocol/errors.js";
import type { EventRecord } from "../../protocol/events.js";
import { requireBase } from "../../providers/vm/base-image.js";
import { extractVmlinux } from "../../providers/vm/vmlinux.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";
import { BASE_CACHE, VM_SKIP_REASON, ensureTestBase } from "./vm-fixture.js";

/** The pid of a process that has exited (and been reaped). */
function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  return new Promise((r) => p.on("exit", () => r(p.pid!)));
}

describe.skipIf(VM_SKIP_REASON !== null)(`swarmctl vm${VM_SKIP_REASON ? ` (skipped: ${VM_SKIP_REASON})` : ""}`, () => {
  let d: TestDaemon;
  let env: NodeJS.ProcessEnv;
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vm-fresh-base-"));
  beforeAll(async () => {
    await ensureTestBase();
    d = await startDaemon();
    env = d.env;
  }, 300_000);
  afterAll(async () => {
    await d?.stop();
    fs.rmSync(d.home, { recursive: true, force: true });
    fs.rmSync(fresh, { recursive: true, force: true });
  }, 60_000);

  const eventsOf = async (type: string): Promise<EventRecord[]> => {
    const r = await swarmctl(env, ["events", "--type", type, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EventRecord);
  };

  it("init-base on a built base says it is up to date, with the base id, and removes abandoned build folders", async () => {
    const dead = await deadPid();
    const abandoned = path.join(BASE_CACHE, `0000000000000000-20000101T000000.build-${dead}`);
    const live = path.join(BASE_CACHE, `0000000000000000-20000101T000000.build-${process.pid}`);
    for (const f of [abandoned, live]) fs.mkdirSync(f, { recursive: true });
    const r = await swarmctl(env, ["vm", "init-base", "--dir", BASE_CACHE, "--json"], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { upToDate: boolean; manifest: { id: string; rootfs: string } };
    expect(j.upToDate).toBe(true);
    expect(j.manifest.id).toMatch(/^[0-9a-f]{16}$/);
    const human = await swarmctl(env, ["vm", "init-base", "--dir", BASE_CACHE], { timeoutMs: 60_000 });
    expect(human.stdout).toMatch(new RegExp(`up to date\\s+base ${j.manifest.id}`));
    expect(human.stderr).toMatch(/inputs\s+done in \d+\.\d s/);
    expect(fs.existsSync(abandoned)).toBe(false);
    expect(fs.existsSync(live)).toBe(true); // its process (this test) is alive
    fs.rmSync(live, { recursive: true, force: true });
  }, 120_000);

  it("--force joining a build that was not forced is CONFLICT, not silently unforced", async () => {
    const c = await d.client();
    // pipelined on one connection: the first call is building when the second arrives
    const [plain, forced] = await Promise.allSettled([c.call("vm.init_base", { dir: BASE_CACHE }), c.call("vm.init_base", { dir: BASE_CACHE, force: true })]);
    c.close();
    expect(plain.status).toBe("fulfilled");
    expect(forced.status).toBe("rejected");
    expect((forced as PromiseRejectedResult).reason).toMatchObject({
      kind: "CONFLICT",
      message: expect.stringMatching(/without --force is running.*--force was not applied/),
    });
  }, 120_000);

  it("concurrent init-base calls: one for the dir being built joins that build, one for another dir is CONFLICT", async () => {
    const c = await d.client();
    const before = (await eventsOf("vm.base_built")).length;
    const other = path.join(fresh, "other");
    // pipelined on one connection: the first call is building when the others arrive
    const [a, b, conflict] = await Promise.allSettled([
      c.call<{ manifest: { id: string } }>("vm.init_base", { dir: BASE_CACHE }),
      c.call<{ manifest: { id: string } }>("vm.init_base", { dir: BASE_CACHE }),
      c.call("vm.init_base", { dir: other }),
    ]);
    expect(a.status === "fulfilled" && b.status === "fulfilled" && a.value.manifest.id === b.value.manifest.id).toBe(true);
    expect(conflict.status).toBe("rejected");
    const err = (conflict as PromiseRejectedResult).reason as { kind?: string; message?: string };
    expect(err.kind).toBe("CONFLICT");
    expect(err.message).toContain(BASE_CACHE);
    expect(fs.existsSync(other)).toBe(false);
    // one build ran for both calls
    expect((await eventsOf("vm.base_built")).length - before).toBe(1);
    const rel = await c.call("vm.init_base", { dir: "relative/base" }).catch((e: unknown) => e);
    expect(rel).toMatchObject({ kind: "INVALID_ARGUMENT", message: expect.stringMatching(/must be an absolute path/) });
    c.close();
  }, 120_000);

  it("a full build in a new dir: progress lines on stderr and vm.base_progress / vm.base_built events", async () => {
    const r = await swarmctl(env, ["vm", "init-base", "--dir", fresh], { timeoutMs: 280_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/built\s+base [0-9a-f]{16} in /);
    for (const phase of ["kernel", "agent", "initramfs", "rootfs"]) expect(r.stderr).toMatch(new RegExp(`^${phase}\\s+done in \\d+\\.\\d s$`, "m"));
    const progress = (await eventsOf("vm.base_progress")).filter((e) => e.subject === fresh);
    expect(progress.map((e) => (e.data as { phase: string }).phase)).toEqual(expect.arrayContaining(["inputs", "kernel", "agent", "initramfs", "rootfs"]));
    const built = (await eventsOf("vm.base_built")).filter((e) => e.subject === fresh);
    expect(built).toHaveLength(1);
    const data = built[0]!.data as { id: string; up_to_date: boolean; loop_delay_max_ms: number };
    expect(data.up_to_date).toBe(false);
    expect(requireBase(fresh).manifest.id).toBe(data.id);
    // how long the daemon's event loop was held during the build (reported, not asserted)
    console.log(`vm init-base in the daemon: ${JSON.stringify(data)}`);
  }, 300_000);

  it("status names the accelerator, and without a base says how to build one", async () => {
    const ok = await swarmctl(env, ["vm", "status", "--dir", BASE_CACHE, "--json"], { timeoutMs: 60_000 });
    expect(ok.code, ok.stderr).toBe(0);
    expect(["kvm", "tcg"]).toContain((JSON.parse(ok.stdout) as { accel: string }).accel);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vm-nobase-"));
    const none = await swarmctl(env, ["vm", "status", "--dir", empty]);
    expect(none.code).toBe(7);
    expect(none.stdout).toMatch(/no VM base image/);
    expect(none.stdout).toMatch(/swarmctl vm init-base/);
    let err: unknown;
    try {
      requireBase(empty);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SwarmError);
    expect((err as SwarmError).kind).toBe("UNAVAILABLE");
    expect((err as SwarmError).hint).toMatch(/swarmctl vm init-base/);
    fs.rmSync(empty, { recursive: true, force: true });
  }, 120_000);

  it("refuses a file that holds no kernel, naming it", async () => {
    const f = path.join(os.tmpdir(), `swarm-not-a-kernel-${process.pid}`);
    fs.writeFileSync(f, Buffer.alloc(4096, 7));
    const err = await extractVmlinux(f, f + ".out").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwarmError);
    expect((err as SwarmError).message).toContain(f);
    expect(fs.existsSync(f + ".out")).toBe(false);
    fs.rmSync(f, { force: true });
  });
});
