import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { swarmctl, tempHome, waitFor } from "../helpers/daemon.js";
import { ERROR_KINDS, USAGE_EXIT_CODE } from "../../protocol/errors.js";
import { pidAlive } from "../../protocol/os.js";

const h = tempHome();
afterAll(async () => {
  await swarmctl(h.env, ["daemon", "stop"]);
});

describe("swarmctl", () => {
  it("unknown command or flag exits 64 with usage help on stderr", async () => {
    const a = await swarmctl(h.env, ["frobnicate"]);
    expect(a.code).toBe(USAGE_EXIT_CODE);
    expect(a.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(a.stderr).toMatch(/--help/);
    const b = await swarmctl(h.env, ["daemon", "status", "--bogus"]);
    expect(b.code).toBe(USAGE_EXIT_CODE);
    expect(b.stderr).toMatch(/unknown option '--bogus'/);
    const c = await swarmctl(h.env, ["--help"]);
    expect(c.code).toBe(0);
    for (const g of ["daemon", "events", "doctor", "init", "config", "service", "version"]) expect(c.stdout).toContain(g);
  });

  it("with --json, usage errors are one JSON object on stderr too, still exit 64", async () => {
    for (const args of [
      ["--json", "frobnicate"],
      ["daemon", "status", "--bogus", "--json"],
      ["--json", "env", "create", "q", "--bogus"],
    ]) {
      const r = await swarmctl(h.env, args);
      expect(r.code).toBe(USAGE_EXIT_CODE);
      const err = (JSON.parse(r.stderr.trim()) as { error: { kind: string; message: string; hint: string } }).error;
      expect(err.kind).toBe("USAGE");
      expect(err.message).toMatch(/^unknown (command 'frobnicate'|option '--bogus')$/);
      expect(err.hint).toMatch(/--help/);
    }
  });

  it("a schema refusal reads as the field and its rule, not as RPC params", async () => {
    const r = await swarmctl(h.env, ["secret", "set", "1BAD", "x"]);
    expect(r.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(r.stderr).toMatch(/^error: invalid name: variable names use letters, digits and '_'/);
    expect(r.stderr).not.toMatch(/invalid params/);
    expect((await swarmctl(h.env, ["daemon", "stop"])).code).toBe(0); // the next tests start from no daemon
  });

  it("--no-autostart refuses when no daemon runs, with UNAVAILABLE's exit code and a hint", async () => {
    const r = await swarmctl(h.env, ["--no-autostart", "events"]);
    expect(r.code).toBe(ERROR_KINDS.UNAVAILABLE.exitCode);
    expect(r.stderr).toMatch(/swarmd is not running/);
    expect(r.stderr).toMatch(/hint: start it with `swarmctl daemon start`/);
    const s = await swarmctl(h.env, ["daemon", "status", "--json"]);
    expect(s.code).toBe(7);
    expect(JSON.parse(s.stdout)).toMatchObject({ running: false });
  });

  it("daemon start returns once it answers, and 0 again when already running; status --json has the fields", async () => {
    const a = await swarmctl(h.env, ["daemon", "start", "--json"]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ started: true, running: true });
    const b = await swarmctl(h.env, ["daemon", "start", "--json"]);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ started: false });
    const st = JSON.parse((await swarmctl(h.env, ["daemon", "status", "--json"])).stdout);
    expect(st).toMatchObject({ running: true, socket: h.paths.socket, database: h.paths.database, version: "0.1.0" });
    expect(typeof st.pid).toBe("number");
    expect(typeof st.uptime_s).toBe("number");
  });

  it("daemon stop returns once the process has exited; any command auto-starts it again", async () => {
    const st = JSON.parse((await swarmctl(h.env, ["daemon", "status", "--json"])).stdout);
    const r = await swarmctl(h.env, ["daemon", "stop"]);
    expect(r.code).toBe(0);
    expect(pidAlive(st.pid)).toBe(false);
    const ev = await swarmctl(h.env, ["events", "--json"]);
    expect(ev.code).toBe(0);
    const lines = ev.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.type)).toContain("daemon.stopping");
    const st2 = JSON.parse((await swarmctl(h.env, ["daemon", "status", "--json"])).stdout);
    expect(st2.pid).not.toBe(st.pid);
  });

  it("config: get, set validated (bad value refused, file untouched), check reports file+key", async () => {
    expect((await swarmctl(h.env, ["config", "get", "log.level"])).stdout.trim()).toBe("info");
    const ok = await swarmctl(h.env, ["config", "set", "log.level", "debug", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).value).toBe("debug");
    const before = fs.readFileSync(h.paths.configFile, "utf8");
    const bad = await swarmctl(h.env, ["config", "set", "rpc.max_frame_bytes", "12"]);
    expect(bad.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(bad.stderr).toMatch(/rpc\.max_frame_bytes/);
    expect(fs.readFileSync(h.paths.configFile, "utf8")).toBe(before);
    const unknown = await swarmctl(h.env, ["config", "get", "no.such.key"]);
    expect(unknown.code).toBe(ERROR_KINDS.NOT_FOUND.exitCode);

    const file = path.join(h.home, "broken.json");
    fs.writeFileSync(file, JSON.stringify({ log: { level: "loud", colour: true } }));
    const chk = await swarmctl(h.env, ["config", "check", file, "--json"]);
    expect(chk.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    const report = JSON.parse(chk.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p: { key: string }) => p.key).sort()).toEqual(["log", "log.level"]);
    expect(JSON.stringify(report.problems)).toMatch(/colour/);
  });

  it("config hot reload: a valid edit takes effect, an invalid one is reported and the old config stays", async () => {
    const cfg = JSON.parse(fs.readFileSync(h.paths.configFile, "utf8"));
    cfg.log.level = "warn";
    fs.writeFileSync(h.paths.configFile, JSON.stringify(cfg));
    await waitFor("reload to warn", async () => (await swarmctl(h.env, ["config", "get", "log.level"])).stdout.trim() === "warn");
    fs.writeFileSync(h.paths.configFile, "{ not json");
    await waitFor("config.invalid event", async () => {
      const ev = await swarmctl(h.env, ["events", "--json", "--type", "config.invalid"]);
      return ev.stdout.includes("not valid JSON");
    });
    expect((await swarmctl(h.env, ["config", "get", "log.level"])).stdout.trim()).toBe("warn");
    fs.writeFileSync(h.paths.configFile, JSON.stringify(cfg));
  });

  it("a daemon refuses to start on a bad config, naming the file and key", async () => {
    const h2 = tempHome();
    fs.writeFileSync(h2.paths.configFile, JSON.stringify({ daemon: { shutdown_grace_ms: -5 } }));
    const r = await swarmctl(h2.env, ["daemon", "start"]);
    expect(r.code).toBe(ERROR_KINDS.UNAVAILABLE.exitCode);
    expect(r.stderr).toContain(h2.paths.configFile);
    expect(r.stderr).toContain("daemon.shutdown_grace_ms");
  });

  it("doctor --json reports every check with a status, and native modules load", async () => {
    const r = await swarmctl(h.env, ["doctor", "--json"]);
    const rep = JSON.parse(r.stdout);
    const names = rep.checks.map((c: { check: string }) => c.check);
    for (const n of [
      "node",
      "better-sqlite3",
      "node-pty",
      "config",
      "daemon",
      "database",
      "git",
      "service",
      "provider worktree",
      "provider sandbox",
      "provider vm",
    ])
      expect(names).toContain(n);
    for (const c of rep.checks) expect(["ok", "warn", "fail"]).toContain(c.status);
    expect(rep.checks.find((c: { check: string }) => c.check === "node-pty").status).toBe("ok");
    expect(r.code).toBe(rep.ok ? 0 : 7);
  });

  it("init scaffolds tickets/ and a sample ticket; init again keeps it unless --force", async () => {
    const dir = path.join(h.home, "proj");
    const a = await swarmctl(h.env, ["init", dir, "--json"]);
    expect(a.code).toBe(0);
    // no swarm.json any more: the project's settings go into the config file (docs/config.md)
    expect(JSON.parse(a.stdout)).toMatchObject({ project: "proj", repo: null });
    expect(fs.existsSync(path.join(dir, "swarm.json"))).toBe(false);
    expect(fs.readFileSync(path.join(dir, "tickets/0001-example-hello.md"), "utf8")).toMatch(/^---\nid: example-hello/);
    expect(JSON.parse(a.stdout).watching).toBe(true);
    const list = await swarmctl(h.env, ["ticket", "list", "--json"]);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain("Say hello");
    const b = await swarmctl(h.env, ["init", dir]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/kept .*0001-example-hello\.md \(it exists; --force writes the sample again\)/);
    const bad = await swarmctl(h.env, ["init", dir, "--name", "../evil", "--force"]);
    expect(bad.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
  });

  it("NO_COLOR and non-TTY output carry no escape codes", async () => {
    const r = await swarmctl(h.env, ["doctor"]);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });
});
