import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../protocol/config/schema.js";
import { parseConfig } from "../../protocol/config/schema.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { parseDurationMs, parseSizeMiB } from "../../protocol/methods/env.js";
import { SwarmError } from "../../protocol/errors.js";
import { runBulk } from "../../daemon/env/bulk.js";
import { assertFits, defaultReservation } from "../../daemon/env/resources.js";
import { secretMigrations } from "../../daemon/secrets/migrations.js";
import { Vault } from "../../daemon/secrets/vault.js";
import { migrate } from "../../daemon/store/db.js";

describe("sizes and durations", () => {
  it("parses sizes to MiB and refuses junk", () => {
    expect(parseSizeMiB("512M")).toBe(512);
    expect(parseSizeMiB("4G")).toBe(4096);
    expect(parseSizeMiB("1.5G")).toBe(1536);
    expect(parseSizeMiB("2048")).toBe(2048);
    expect(parseSizeMiB("4GiB")).toBe(4096);
    for (const bad of ["", "lots", "-1G", "4X", "0"]) expect(parseSizeMiB(bad)).toBeNull();
  });
  it("parses durations and refuses junk", () => {
    expect(parseDurationMs("30m")).toBe(1_800_000);
    expect(parseDurationMs("1500ms")).toBe(1500);
    expect(parseDurationMs("2h")).toBe(7_200_000);
    expect(parseDurationMs("soon")).toBeNull();
  });
  it("config: env section has defaults and rejects a bad idle_stop_after with the allowed form", () => {
    expect(defaultConfig().env).toMatchObject({ default_provider: "worktree", idle_stop_after: "off", cpu_overcommit: 2, memory_overcommit: 1 });
    const r = parseConfig({ env: { idle_stop_after: "soonish" } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ key: "env.idle_stop_after", message: expect.stringMatching(/30m/) });
  });
});

const env = (name: string, state: EnvRecord["state"], cpus: number, memory_mib: number) => ({ name, state, cpus, memory_mib }) as EnvRecord;

describe("resource accounting", () => {
  const cfg = defaultConfig();
  const host = { cpus: 4, memoryMiB: 8192 };
  it("counts creating/running reservations only and refuses past host x ratio, naming the numbers", () => {
    const envs = [env("a", "running", 4, 4096), env("b", "stopped", 8, 8192), env("c", "creating", 2, 2048)];
    expect(() => assertFits("x", { cpus: 2, memoryMiB: 2048 }, envs, cfg, host)).not.toThrow();
    let err: SwarmError | null = null;
    try {
      assertFits("creating x", { cpus: 3, memoryMiB: 4096 }, envs, cfg, host);
    } catch (e) {
      err = e as SwarmError;
    }
    expect(err?.kind).toBe("RESOURCE_EXHAUSTED");
    expect(err?.message).toContain("CPU: requested 3 vCPU, 6 in use, host has 4 CPUs x ratio 2 = 8 allowed");
    expect(err?.message).toContain("RAM: requested 4096 MiB, 6144 MiB in use, host has 8192 MiB x ratio 1 = 8192 MiB allowed");
    // starting `a` again must not count `a` twice
    expect(() => assertFits("start a", { cpus: 4, memoryMiB: 4096 }, envs, cfg, host, "a")).not.toThrow();
  });
  it("default reservation per provider: vm 2 vCPU / 4 GiB, others nothing", () => {
    expect(defaultReservation(cfg, "vm")).toEqual({ cpus: 2, memoryMiB: 4096 });
    expect(defaultReservation(cfg, "worktree")).toEqual({ cpus: 0, memoryMiB: 0 });
  });
});

describe("runBulk", () => {
  it("bounds parallelism and reports every item, in order, without aborting on failures", async () => {
    let live = 0;
    let peak = 0;
    const names = ["a", "b/c", "d", "e", "d", "f", "boom"];
    const r = await runBulk(names, 2, async (n) => {
      live++;
      peak = Math.max(peak, live);
      await new Promise((res) => setImmediate(res));
      live--;
      if (n === "boom") throw new SwarmError("CONFLICT", "boom failed");
      return `made ${n}`;
    });
    expect(peak).toBe(2);
    expect(r.map((x) => x.name)).toEqual(names);
    expect(r.filter((x) => x.ok).map((x) => x.name)).toEqual(["a", "d", "e", "f"]);
    expect(r[1]!.message).toMatch(/names use letters/);
    expect(r[4]!.message).toMatch(/listed more than once/);
    expect(r[6]!.message).toBe("boom failed");
  });
});

describe("Vault", () => {
  const make = (key = randomBytes(32)) => {
    const db = new Database(":memory:");
    migrate(db, { secrets: secretMigrations });
    return { db, vault: new Vault(db, key), key };
  };
  it("stores only ciphertext; resolves with project overriding global", () => {
    const { db, vault } = make();
    vault.set("TOKEN", "global-secret-value", { plain: false });
    vault.set("TOKEN", "project-secret-value", { plain: false, project: "p" });
    vault.set("PLAIN", "visible", { plain: true });
    const dump = JSON.stringify(db.prepare("SELECT * FROM env_vars").all());
    expect(dump).not.toContain("secret-value");
    expect(vault.resolve("p")).toEqual({ TOKEN: "project-secret-value", PLAIN: "visible" });
    expect(vault.resolve("q")).toEqual({ TOKEN: "global-secret-value", PLAIN: "visible" });
    expect(vault.list().find((e) => e.name === "TOKEN")!.value).toBeNull();
  });
  it("a ciphertext moved to another name, or a wrong key, fails to open", () => {
    const { db, vault, key } = make();
    vault.set("A", "value-a", { plain: false });
    vault.set("B", "value-b", { plain: false });
    const a = db.prepare("SELECT iv, tag, ct FROM env_vars WHERE name = 'A'").get() as { iv: Buffer; tag: Buffer; ct: Buffer };
    db.prepare("UPDATE env_vars SET iv = ?, tag = ?, ct = ? WHERE name = 'B'").run(a.iv, a.tag, a.ct);
    expect(() => vault.resolve("x")).toThrow(/secret B \(global\) cannot be decrypted/);
    const other = new Vault(db, Buffer.from(key).fill(7));
    db.prepare("DELETE FROM env_vars WHERE name = 'B'").run();
    expect(() => other.resolve("x")).toThrow();
  });
});
