import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { installedEntry } from "../../protocol/install.js";
import type { CliContext, CommandGroup } from "../context.js";
import { LAUNCHD_LABEL, launchdPlist, SYSTEMD_UNIT_NAME, systemdUnit, type ServiceSpec } from "../service/units.js";

type Platform = "systemd" | "launchd";

function defaultPlatform(): Platform {
  return process.platform === "darwin" ? "launchd" : "systemd";
}

function parsePlatform(p: string | undefined): Platform {
  const v = p ?? defaultPlatform();
  if (v !== "systemd" && v !== "launchd") throw new SwarmError("INVALID_ARGUMENT", `--platform must be systemd or launchd, got ${JSON.stringify(v)}`);
  return v;
}

function unitPath(platform: Platform): string {
  const home = process.env.HOME || os.homedir();
  if (platform === "launchd") return path.join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  const config = process.env.XDG_CONFIG_HOME || path.join(home, ".config");
  return path.join(config, "systemd", "user", SYSTEMD_UNIT_NAME);
}

function spec(ctx: CliContext): ServiceSpec {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" };
  if (process.env.SWARM_HOME) env.SWARM_HOME = ctx.paths.home;
  return {
    node: process.execPath,
    swarmdScript: installedEntry(import.meta.url, "swarmd"),
    env,
    logDir: ctx.paths.logDir,
  };
}

/** Runs a service manager command; never throws, reports what it said. */
function manager(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 15_000 });
  if (r.error) return { ok: false, out: r.error.message };
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

function enable(platform: Platform, file: string): { enabled: boolean; detail: string } {
  if (platform === "systemd") {
    const reload = manager("systemctl", ["--user", "daemon-reload"]);
    if (!reload.ok)
      return {
        enabled: false,
        detail: `systemctl --user is not reachable (${reload.out || "no answer"}); run \`systemctl --user enable --now ${SYSTEMD_UNIT_NAME}\` once it is`,
      };
    const en = manager("systemctl", ["--user", "enable", "--now", SYSTEMD_UNIT_NAME]);
    return { enabled: en.ok, detail: en.out };
  }
  const r = manager("launchctl", ["load", "-w", file]);
  return { enabled: r.ok, detail: r.ok ? "loaded" : `launchctl load failed (${r.out}); run \`launchctl load -w ${file}\`` };
}

export const register: CommandGroup = (program, ctx) => {
  const service = program.command("service").description("install swarmd as a systemd user unit (Linux) or launchd agent (macOS)");
  service
    .command("install")
    .description("write the unit/plist running `swarmd --foreground` (restart on failure) and enable it")
    .option("--platform <p>", "systemd or launchd (default: this OS's)")
    .option("--no-enable", "only write the file; do not enable or start it")
    .option("--dry-run", "print the file instead of writing it")
    .action((o: { platform?: string; enable: boolean; dryRun?: boolean }) => {
      const c = ctx();
      const platform = parsePlatform(o.platform);
      const text = platform === "systemd" ? systemdUnit(spec(c)) : launchdPlist(spec(c));
      const file = unitPath(platform);
      if (o.dryRun) {
        if (c.out.json) return c.out.printJson({ platform, file, content: text });
        return c.out.print(text);
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text, { mode: 0o644 });
      const en = o.enable ? enable(platform, file) : { enabled: false, detail: "skipped (--no-enable)" };
      if (c.out.json) return c.out.printJson({ platform, file, written: true, ...en });
      c.out.print(`${c.out.ok("wrote")} ${file}`);
      c.out.print(
        en.enabled ? `${c.out.ok("enabled")} ${platform === "systemd" ? SYSTEMD_UNIT_NAME : LAUNCHD_LABEL}` : `${c.out.warn("not enabled")}: ${en.detail}`,
      );
    });
  service
    .command("uninstall")
    .description("disable and remove the unit/plist (running agents are left alone)")
    .option("--platform <p>", "systemd or launchd (default: this OS's)")
    .action((o: { platform?: string }) => {
      const c = ctx();
      const platform = parsePlatform(o.platform);
      const file = unitPath(platform);
      const existed = fs.existsSync(file);
      if (existed) {
        if (platform === "systemd") manager("systemctl", ["--user", "disable", "--now", SYSTEMD_UNIT_NAME]);
        else manager("launchctl", ["unload", "-w", file]);
        fs.rmSync(file, { force: true });
        if (platform === "systemd") manager("systemctl", ["--user", "daemon-reload"]);
      }
      if (c.out.json) return c.out.printJson({ platform, file, removed: existed });
      c.out.print(existed ? `removed ${file}` : `nothing installed at ${file}`);
    });
  service
    .command("status")
    .description("is the unit/plist installed, enabled, active?")
    .option("--platform <p>", "systemd or launchd (default: this OS's)")
    .action((o: { platform?: string }) => {
      const c = ctx();
      const platform = parsePlatform(o.platform);
      const file = unitPath(platform);
      const installed = fs.existsSync(file);
      let enabled: string = "unknown";
      let active: string = "unknown";
      if (installed && platform === "systemd") {
        enabled = manager("systemctl", ["--user", "is-enabled", SYSTEMD_UNIT_NAME]).out || "unknown";
        active = manager("systemctl", ["--user", "is-active", SYSTEMD_UNIT_NAME]).out || "unknown";
      } else if (installed) {
        const r = manager("launchctl", ["list", LAUNCHD_LABEL]);
        enabled = r.ok ? "loaded" : "not loaded";
        active = enabled;
      }
      const info = { platform, file, installed, enabled: installed ? enabled : "no", active: installed ? active : "no" };
      if (c.out.json) return c.out.printJson(info);
      c.out.print(`${platform}: ${installed ? `installed at ${file}` : "not installed"}`);
      if (installed) c.out.print(`enabled: ${info.enabled}\nactive:  ${info.active}`);
    });
};
