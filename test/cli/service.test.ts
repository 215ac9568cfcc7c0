import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import plist from "plist";
import { describe, expect, it } from "vitest";
import { swarmctl, tempHome } from "../helpers/daemon.js";

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

describe("service install", () => {
  it.skipIf(!hasSystemdAnalyze)("writes a systemd user unit that systemd-analyze verifies without warnings", async () => {
    const h = tempHome();
    const env = { ...h.env, XDG_CONFIG_HOME: path.join(h.home, "xdg-config"), HOME: h.home };
    const r = await swarmctl(env, ["service", "install", "--platform", "systemd", "--no-enable", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.file).toBe(path.join(h.home, "xdg-config/systemd/user/swarmd.service"));
    const unit = fs.readFileSync(out.file, "utf8");
    expect(unit).toMatch(/^ExecStart=.*bin\/swarmd\.js --foreground$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toContain(`Environment=SWARM_HOME=${h.home}`);
    const runtimeDir = fs.mkdtempSync(path.join(h.home, "xdg-run-"));
    fs.chmodSync(runtimeDir, 0o700);
    const v = spawnSync("systemd-analyze", ["verify", "--user", out.file], {
      env: { ...env, XDG_RUNTIME_DIR: runtimeDir },
      encoding: "utf8",
    });
    // Unknown keys or sections are only warnings on stderr with exit 0: read stderr too.
    expect(v.status).toBe(0);
    expect(v.stderr).not.toMatch(/swarmd\.service/);
    expect(v.stderr).not.toMatch(/[Uu]nknown (key|section|lvalue)/);

    const st = await swarmctl(env, ["service", "status", "--platform", "systemd", "--json"]);
    expect(JSON.parse(st.stdout)).toMatchObject({ installed: true });
    const un = await swarmctl(env, ["service", "uninstall", "--platform", "systemd", "--json"]);
    expect(JSON.parse(un.stdout)).toMatchObject({ removed: true });
    expect(fs.existsSync(out.file)).toBe(false);
  });

  it("writes a launchd plist that parses, runs swarmd --foreground and restarts on failure", async () => {
    const h = tempHome();
    const env = { ...h.env, HOME: h.home };
    const r = await swarmctl(env, ["service", "install", "--platform", "launchd", "--no-enable", "--json"]);
    expect(r.code).toBe(0);
    const file = JSON.parse(r.stdout).file as string;
    expect(file).toBe(path.join(h.home, "Library/LaunchAgents/dev.swarm.swarmd.plist"));
    const doc = plist.parse(fs.readFileSync(file, "utf8")) as Record<string, any>;
    expect(doc.Label).toBe("dev.swarm.swarmd");
    expect(doc.ProgramArguments.slice(-1)).toEqual(["--foreground"]);
    expect(doc.ProgramArguments[1]).toMatch(/bin\/swarmd\.js$/);
    expect(doc.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(doc.RunAtLoad).toBe(true);
    expect(doc.EnvironmentVariables.SWARM_HOME).toBe(h.home);
  });

  it("refuses an unknown platform with a clear error", async () => {
    const h = tempHome();
    const r = await swarmctl(h.env, ["service", "install", "--platform", "upstart"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--platform must be systemd or launchd/);
  });
});
