import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_KINDS } from "../../protocol/errors.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { SWARMCTL } from "../helpers/daemon.js";
import { startWorld, type EnvWorld } from "./fixture.js";

let w: EnvWorld;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.dispose();
});

describe("swarmctl env (worktree provider, real daemon)", () => {
  it("create, list --json, show, stop, start; progress lines on stderr", async () => {
    const c = await w.ctl(["env", "create", "alpha", "--repo", w.repo]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/created alpha \(worktree, branch swarm\/alpha\)/);
    // not a TTY: one line per phase
    expect(c.stderr).toMatch(/alpha: create checkout/);
    expect(c.stderr).toMatch(/alpha: create done 1\/1/);
    const list = await w.json<EnvRecord[]>(["env", "list"]);
    const alpha = list.find((e) => e.name === "alpha")!;
    expect(alpha).toMatchObject({ provider: "worktree", state: "running", branch: "swarm/alpha", project: path.basename(w.repo) });
    expect(alpha.capabilities.net).toBe("full");
    expect(fs.readFileSync(path.join(alpha.host_path!, "src", "a.txt"), "utf8")).toBe("a\n");
    const show = await w.json<EnvRecord & { status: { state: string } }>(["env", "show", "alpha"]);
    expect(show.status.state).toBe("running");
    expect((await w.json<EnvRecord>(["env", "stop", "alpha"])).state).toBe("stopped");
    const run = await w.ctl(["env", "run", "alpha", "--", "true"]);
    expect(run.code).toBe(ERROR_KINDS.INVALID_TRANSITION.exitCode);
    expect(run.stderr).toMatch(/alpha is stopped/);
    expect((await w.json<EnvRecord>(["env", "start", "alpha"])).state).toBe("running");
  });

  it("refuses bad names with the rule, for create and every other verb", async () => {
    for (const bad of ["a/b", ".hidden", "x".repeat(64), "sp ace", "foo.lock", "a..b", "end."]) {
      const r = await w.ctl(["env", "create", bad, "--repo", w.repo]);
      expect(r.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
      expect(r.stderr).toMatch(
        /names use letters, digits, '-', '_' and '.', do not start or end with '.', contain no '..', do not end in '.lock', and are at most 63 characters/,
      );
    }
    const r = await w.ctl(["env", "show", "../etc"]);
    expect(r.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    const dup = await w.ctl(["env", "create", "alpha", "--repo", w.repo]);
    expect(dup.code).toBe(ERROR_KINDS.CONFLICT.exitCode);
    expect(dup.stderr).toMatch(/already exists/);
    const missing = await w.ctl(["env", "show", "nope"]);
    expect(missing.code).toBe(ERROR_KINDS.NOT_FOUND.exitCode);
    const net = await w.ctl(["env", "create", "netnone", "--repo", w.repo, "--net", "none"]);
    expect(net.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(net.stderr).toMatch(/cannot enforce --net none; it supports: full/);
    const prov = await w.ctl(["env", "create", "p1", "--repo", w.repo, "--provider", "nosuch"]);
    expect(prov.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(prov.stderr).toMatch(/unknown provider "nosuch"/);
    const mem = await w.ctl(["env", "create", "m1", "--repo", w.repo, "--memory", "lots"]);
    expect(mem.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(mem.stderr).toMatch(/--memory must be a size like 512M or 4G/);
  });

  it("env run: output streams through and the exit code is the command's", async () => {
    const r = await w.ctl(["env", "run", "alpha", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 42"]);
    expect(r.code).toBe(42);
    expect(r.stdout).toBe("to-out\n");
    expect(r.stderr).toContain("to-err");
    const pwd = await w.ctl(["env", "run", "alpha", "--", "pwd"]);
    expect(pwd.code).toBe(0);
    expect(fs.realpathSync(pwd.stdout.trim())).toContain(path.join("worktrees", "alpha"));
    const nf = await w.ctl(["env", "run", "alpha", "--", "definitely-not-a-command-xyz"]);
    expect(nf.code).toBe(127);
    const stdin = await w.ctl(["env", "run", "alpha", "--", "cat"], { input: "piped in\n" });
    expect(stdin.stdout).toBe("piped in\n");
  });

  it("env create without --repo uses the git toplevel of the current folder; --proxy-allow needs --net proxy", async () => {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [SWARMCTL, "--no-autostart", "--json", "env", "create", "from-cwd"], { cwd: path.join(w.repo, "src"), env: w.d.env });
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.on("exit", (code) => resolve({ code, out }));
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as EnvRecord).repo).toBe(fs.realpathSync(w.repo));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-notgit-"));
    const bad = await w.ctl(["env", "create", "nogit", "--repo", outside]);
    expect(bad.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(bad.stderr).toMatch(/is not inside a git repository/);
    const missing = await w.ctl(["env", "create", "nodir", "--repo", path.join(outside, "no-such-folder")]);
    expect(missing.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(missing.stderr).toMatch(/no-such-folder does not exist/);
    const pa = await w.ctl(["env", "create", "pa", "--repo", w.repo, "--proxy-allow", "example.com"]);
    expect(pa.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(pa.stderr).toMatch(/--proxy-allow only applies with --net proxy/);
    expect((await w.ctl(["env", "delete", "from-cwd"])).code).toBe(0);
  });

  it("env.exec over RPC: buffered output, stdin, exit code; counts as activity", async () => {
    const c = await w.d.client();
    const before = (await w.json<EnvRecord>(["env", "show", "alpha"])).last_activity_at;
    const r = await c.call<{ exit_code: number; stdout_b64: string; stderr_b64: string }>("env.exec", {
      name: "alpha",
      argv: ["sh", "-c", "cat; echo e >&2; exit 3"],
      input_b64: Buffer.from("in\n").toString("base64"),
    });
    expect(r.exit_code).toBe(3);
    expect(Buffer.from(r.stdout_b64, "base64").toString()).toBe("in\n");
    expect(Buffer.from(r.stderr_b64, "base64").toString()).toBe("e\n");
    expect((await w.json<EnvRecord>(["env", "show", "alpha"])).last_activity_at > before).toBe(true);
    c.close();
  });

  it("env shell runs a PTY: output comes back, exit code is the shell's", async () => {
    const r = await w.ctl(["env", "shell", "alpha", "--", "sh"], { input: "echo marker-$((6*7))\nexit 3\n" });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("marker-42");
  });

  it("every command inside knows its environment: SWARM_ENV and SWARM_PROJECT", async () => {
    const r = await w.ctl(["env", "run", "alpha", "--", "sh", "-c", "echo [$SWARM_ENV] [$SWARM_PROJECT]"]);
    expect(r.code).toBe(0);
    const env = await w.json<EnvRecord>(["env", "show", "alpha"]);
    expect(r.stdout).toBe(`[alpha] [${env.project}]\n`);
  });

  it("env shell without a command runs a login shell chosen inside the environment ($SHELL, else bash, else sh)", async () => {
    const r = await w.ctl(["env", "shell", "alpha"], { input: "echo login-$((6*7))\nexit 4\n" });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("login-42");
  });

  it("env cp copies both ways and refuses .., absolute paths and symlinks leading out", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-cp-"));
    fs.writeFileSync(path.join(tmp, "in.txt"), "copied in\n");
    expect((await w.ctl(["env", "cp", path.join(tmp, "in.txt"), "alpha:docs/in.txt"])).code).toBe(0);
    expect((await w.ctl(["env", "run", "alpha", "--", "cat", "docs/in.txt"])).stdout).toBe("copied in\n");
    expect((await w.ctl(["env", "cp", "alpha:src/a.txt", path.join(tmp, "out.txt")])).code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, "out.txt"), "utf8")).toBe("a\n");

    const up = await w.ctl(["env", "cp", "alpha:../../secret", path.join(tmp, "x")]);
    expect(up.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(up.stderr).toMatch(/contains '\.\.'/);
    const abs = await w.ctl(["env", "cp", path.join(tmp, "in.txt"), "alpha:/etc/passwd-x"]);
    expect(abs.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(abs.stderr).toMatch(/is absolute/);
    // a symlink inside the environment that points out of it
    expect((await w.ctl(["env", "run", "alpha", "--", "ln", "-s", tmp, "escape"])).code).toBe(0);
    const sym = await w.ctl(["env", "cp", path.join(tmp, "in.txt"), "alpha:escape/pwned.txt"]);
    expect(sym.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(sym.stderr).toMatch(/symlink pointing outside/);
    expect(fs.existsSync(path.join(tmp, "pwned.txt"))).toBe(false);
    const both = await w.ctl(["env", "cp", "alpha:a", "alpha:b"]);
    expect(both.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
  });

  it("checkpoint (default name is a timestamp), checkpoints, restore; unknown checkpoint refused", async () => {
    const host = (await w.json<EnvRecord>(["env", "show", "alpha"])).host_path!;
    fs.writeFileSync(path.join(host, "state.txt"), "one\n");
    const c1 = await w.json<{ name: string }>(["env", "checkpoint", "alpha", "one"]);
    expect(c1.name).toBe("one");
    const c2 = await w.json<{ name: string }>(["env", "checkpoint", "alpha"]);
    expect(c2.name).toMatch(/^\d{8}T\d{6}/);
    fs.writeFileSync(path.join(host, "state.txt"), "two\n");
    const list = await w.json<{ name: string }[]>(["env", "checkpoints", "alpha"]);
    expect(list.map((c) => c.name)).toEqual(expect.arrayContaining(["one", c2.name]));
    expect((await w.ctl(["env", "restore", "alpha", "one"])).code).toBe(0);
    expect(fs.readFileSync(path.join(host, "state.txt"), "utf8")).toBe("one\n");
    const bad = await w.ctl(["env", "restore", "alpha", "never-made"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/never-made/);
  });

  it("delete refuses unsaved work without --force; deleted goes to the trash and restore-deleted brings it back", async () => {
    expect((await w.ctl(["env", "create", "beta", "--repo", w.repo])).code).toBe(0);
    const host = (await w.json<EnvRecord>(["env", "show", "beta"])).host_path!;
    fs.writeFileSync(path.join(host, "work.txt"), "precious\n");
    const refused = await w.ctl(["env", "delete", "beta"]);
    expect(refused.code).toBe(ERROR_KINDS.CONFLICT.exitCode);
    expect(refused.stderr).toMatch(/uncommitted changes/);
    expect((await w.ctl(["env", "delete", "beta", "--force"])).code).toBe(0);
    expect((await w.json<EnvRecord[]>(["env", "list"])).some((e) => e.name === "beta")).toBe(false);
    const back = await w.json<EnvRecord>(["env", "restore-deleted", "beta"]);
    expect(back.state).toBe("running");
    expect(fs.readFileSync(path.join(back.host_path!, "work.txt"), "utf8")).toBe("precious\n");
    expect((await w.ctl(["env", "restore-deleted", "never-existed"])).code).toBe(ERROR_KINDS.NOT_FOUND.exitCode);
  });

  it("refuses to oversubscribe the host, naming requested, in use, host total and ratio", async () => {
    const r = await w.ctl(["env", "create", "huge", "--repo", w.repo, "--cpus", "999", "--memory", "100000G"]);
    expect(r.code).toBe(ERROR_KINDS.RESOURCE_EXHAUSTED.exitCode);
    expect(r.stderr).toMatch(/requested 999 vCPU, \d+ in use, host has \d+ CPUs x ratio 2 = \d+ allowed/);
    expect(r.stderr).toMatch(/RAM: requested 102400000 MiB/);
    expect((await w.json<EnvRecord[]>(["env", "list"])).some((e) => e.name === "huge")).toBe(false);
    // a reservation that fits is recorded and counted
    const ok = await w.json<EnvRecord>(["env", "create", "sized", "--repo", w.repo, "--cpus", "1", "--memory", "256M"]);
    expect(ok).toMatchObject({ cpus: 1, memory_mib: 256 });
    const res = await w.json<{ used_cpus: number; used_memory_mib: number; host_cpus: number }>(["env", "resources"]);
    expect(res.used_cpus).toBe(1);
    expect(res.used_memory_mib).toBe(256);
    const cap = res.host_cpus * 2;
    const over = await w.ctl(["env", "create", "over", "--repo", w.repo, "--cpus", String(cap)]);
    expect(over.code).toBe(ERROR_KINDS.RESOURCE_EXHAUSTED.exitCode);
    expect(over.stderr).toMatch(new RegExp(`requested ${cap} vCPU, 1 in use`));
    // stopping frees the reservation
    expect((await w.ctl(["env", "stop", "sized"])).code).toBe(0);
    expect((await w.json<{ used_cpus: number }>(["env", "resources"])).used_cpus).toBe(0);
  });

  it("providers lists every provider with availability, install hints and the planned ones", async () => {
    const r = await w.json<{
      default_provider: string;
      providers: { name: string; available: boolean; planned: boolean; install_hint: string | null; reason: string | null }[];
    }>(["providers"]);
    expect(r.default_provider).toBe("worktree");
    expect(r.providers.find((p) => p.name === "worktree")).toMatchObject({ available: true, planned: false });
    for (const planned of ["firecracker", "kubernetes", "libvirt"]) {
      expect(r.providers.find((p) => p.name === planned)).toMatchObject({ available: false, planned: true });
    }
    for (const p of r.providers) {
      if (!p.available) expect(p.reason).toBeTruthy();
      if (!p.available && !p.planned) expect(p.install_hint).toBeTruthy();
    }
    const human = await w.ctl(["providers"]);
    expect(human.stdout).toMatch(/worktree \(default\)\s+available/);
    expect(human.stdout).toMatch(/planned, not yet available/);
  });
});
