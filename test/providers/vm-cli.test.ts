/** `swarmctl vm init-base|status` through the real CLI, plus the builder's bad paths. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SwarmError } from "../../protocol/errors.js";
import { requireBase } from "../../providers/vm/base-image.js";
import { extractVmlinux } from "../../providers/vm/vmlinux.js";
import { swarmctl, tempHome } from "../helpers/daemon.js";
import { BASE_CACHE, VM_SKIP_REASON, ensureTestBase } from "./vm-fixture.js";

describe.skipIf(VM_SKIP_REASON !== null)(`swarmctl vm${VM_SKIP_REASON ? ` (skipped: ${VM_SKIP_REASON})` : ""}`, () => {
  const { env } = tempHome("swarm-vm-cli-");
  beforeAll(async () => {
    await ensureTestBase();
  }, 300_000);

  it("init-base on a built base says it is up to date, with the base id", async () => {
    const r = await swarmctl(env, ["vm", "init-base", "--dir", BASE_CACHE, "--json"], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { upToDate: boolean; manifest: { id: string; rootfs: string } };
    expect(j.upToDate).toBe(true);
    expect(j.manifest.id).toMatch(/^[0-9a-f]{16}$/);
    const human = await swarmctl(env, ["vm", "init-base", "--dir", BASE_CACHE], { timeoutMs: 60_000 });
    expect(human.stdout).toMatch(new RegExp(`up to date\\s+base ${j.manifest.id}`));
    expect(human.stderr).toMatch(/inputs\s+done in \d+\.\d s/);
  }, 120_000);

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
