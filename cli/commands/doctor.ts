import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { checkConfigFile } from "../../protocol/config/file.js";
import type { ProviderEntry } from "../../protocol/methods/provider.js";
import { SwarmError } from "../../protocol/errors.js";
import type { RpcClient } from "../../client/index.js";
import type { CliContext, CommandGroup } from "../context.js";
import { detectAgentClis, type FoundAgentCli } from "../../protocol/agent-clis.js";
import { agentCliChecks, coordinatorCheck } from "./doctor-agents.js";

type Status = "ok" | "warn" | "fail";
interface Check {
  check: string;
  status: Status;
  detail: string;
  hint?: string;
}

const require = createRequire(import.meta.url);

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 5000 });
  return (r.stdout || r.stderr || "").split("\n")[0]!.trim();
}

/** Host tools the providers and adapters use, with the exact install command. */
const TOOLS: { cmd: string; args: string[]; what: string; hint: string; required: boolean }[] = [
  { cmd: "git", args: ["--version"], what: "worktree provider, tickets' git step", hint: "apt-get install -y git", required: true },
  { cmd: "bwrap", args: ["--version"], what: "sandbox provider", hint: "apt-get install -y bubblewrap", required: false },
  { cmd: "qemu-system-x86_64", args: ["--version"], what: "vm provider", hint: "apt-get install -y qemu-system-x86 qemu-utils", required: false },
  { cmd: "tmux", args: ["-V"], what: "tmux adapter", hint: "apt-get install -y tmux", required: false },
];

function hostChecks(): Check[] {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split(".")[0]);
  checks.push(
    major >= 20
      ? { check: "node", status: "ok", detail: process.version }
      : { check: "node", status: "fail", detail: `${process.version} is too old`, hint: "install Node.js 20 or newer" },
  );
  for (const mod of ["better-sqlite3", "node-pty"]) {
    try {
      const m = require(mod);
      if (mod === "better-sqlite3") new m(":memory:").prepare("select 1").get();
      checks.push({ check: mod, status: "ok", detail: "native module loads" });
    } catch (err) {
      checks.push({
        check: mod,
        status: "fail",
        detail: `cannot load: ${(err as Error).message.split("\n")[0]}`,
        hint: `rebuild it: npm rebuild ${mod} (needs python3, make and a C++ compiler)`,
      });
    }
  }
  return checks;
}

function homeChecks(ctx: CliContext): Check[] {
  const checks: Check[] = [];
  const cfg = checkConfigFile(ctx.paths.configFile);
  checks.push(
    cfg.problems.length === 0
      ? { check: "config", status: "ok", detail: fs.existsSync(ctx.paths.configFile) ? ctx.paths.configFile : "no file; defaults in force" }
      : {
          check: "config",
          status: "fail",
          detail: cfg.problems.map((p) => `${p.key}: ${p.message}`).join("; "),
          hint: `fix ${ctx.paths.configFile} (swarmctl config check)`,
        },
  );
  const runDir = path.dirname(ctx.paths.socket);
  if (fs.existsSync(runDir)) {
    const mode = fs.statSync(runDir).mode & 0o777;
    checks.push(
      mode === 0o700
        ? { check: "socket dir", status: "ok", detail: `${runDir} (0700)` }
        : { check: "socket dir", status: "fail", detail: `${runDir} has mode ${mode.toString(8)}`, hint: `chmod 700 ${runDir}` },
    );
  }
  return checks;
}

function providerCheck(p: ProviderEntry): Check {
  if (p.available) {
    return { check: `provider ${p.name}`, status: p.warnings.length ? "warn" : "ok", detail: p.warnings.length ? p.warnings.join("; ") : "available" };
  }
  return {
    check: `provider ${p.name}`,
    status: "warn",
    detail: `not available: ${p.reason ?? "unknown reason"}`,
    ...(p.install_hint ? { hint: p.install_hint } : {}),
  };
}

async function daemonChecks(ctx: CliContext, agents: FoundAgentCli[]): Promise<{ checks: Check[]; up: boolean }> {
  let c: RpcClient;
  try {
    c = await ctx.probe();
  } catch {
    const hint = "swarmctl daemon start (or any swarmctl command starts it)";
    return { checks: [{ check: "daemon", status: "warn", detail: `not running on ${ctx.paths.socket}`, hint }], up: false };
  }
  try {
    const st = await c.call("daemon.status");
    const checks: Check[] = [{ check: "daemon", status: "ok", detail: `running, pid ${st.pid}, version ${st.version}` }];
    // The providers' own detect() is the authority on what works here (e.g. KVM vs TCG).
    const pl = await c.call("provider.list").catch(() => null);
    for (const p of pl?.providers.filter((x) => !x.planned) ?? []) checks.push(providerCheck(p));
    checks.push(await coordinatorCheck(c, agents).catch((err: Error) => ({ check: "coordinator", status: "warn" as const, detail: err.message })));
    return { checks, up: true };
  } catch (err) {
    // Listening but not answering (stopped, stuck): say so instead of "not running".
    const detail = err instanceof SwarmError ? err.message : String(err);
    return { checks: [{ check: "daemon", status: "fail", detail, hint: `see ${ctx.paths.logFile}` }], up: false };
  } finally {
    c.close();
  }
}

function databaseCheck(ctx: CliContext, daemonUp: boolean): Check {
  if (!fs.existsSync(ctx.paths.database)) return { check: "database", status: "ok", detail: "not created yet (made on first daemon start)" };
  try {
    const Database = require("better-sqlite3");
    const db = new Database(ctx.paths.database, { readonly: true, fileMustExist: true });
    const ok = db.pragma("quick_check", { simple: true });
    db.close();
    return ok === "ok"
      ? { check: "database", status: "ok", detail: `${ctx.paths.database} (quick_check ok)` }
      : { check: "database", status: "fail", detail: `quick_check: ${ok}`, hint: "stop the daemon and restore from a backup" };
  } catch (err) {
    return { check: "database", status: daemonUp ? "warn" : "fail", detail: (err as Error).message };
  }
}

function toolChecks(): Check[] {
  const checks: Check[] = [];
  for (const t of TOOLS) {
    const p = which(t.cmd);
    if (p) checks.push({ check: t.cmd, status: "ok", detail: `${version(t.cmd, t.args)} (${t.what})` });
    else checks.push({ check: t.cmd, status: t.required ? "fail" : "warn", detail: `not found; needed by the ${t.what}`, hint: t.hint });
  }
  const home = process.env.HOME ?? "";
  const unit =
    process.platform === "darwin"
      ? path.join(home, "Library/LaunchAgents/dev.swarm.swarmd.plist")
      : path.join(process.env.XDG_CONFIG_HOME || path.join(home, ".config"), "systemd/user/swarmd.service");
  checks.push(
    fs.existsSync(unit)
      ? { check: "service", status: "ok", detail: `installed at ${unit}` }
      : { check: "service", status: "warn", detail: "not installed as a user service", hint: "swarmctl service install" },
  );
  return checks;
}

async function runChecks(ctx: CliContext): Promise<Check[]> {
  const agents = detectAgentClis(process.env.PATH ?? "");
  const daemon = await daemonChecks(ctx, agents);
  return [...hostChecks(), ...homeChecks(ctx), ...daemon.checks, databaseCheck(ctx, daemon.up), ...toolChecks(), ...agentCliChecks(agents)];
}

export const register: CommandGroup = (program, ctx) => {
  program
    .command("doctor")
    .description("check this host: node, native modules, config, socket, daemon, coordinator, database, provider tools, service, agent CLIs")
    .action(async () => {
      const c = ctx();
      const checks = await runChecks(c);
      const failed = checks.filter((x) => x.status === "fail").length;
      if (c.out.json) c.out.printJson({ ok: failed === 0, checks });
      else {
        const paint = (s: Status) => (s === "ok" ? c.out.ok(s) : s === "warn" ? c.out.warn(s) : c.out.fail(s));
        for (const x of checks) {
          c.out.print(`${paint(x.status).padEnd(c.out.color ? 13 : 4)}  ${x.check.padEnd(18)} ${x.detail}`);
          if (x.hint && x.status !== "ok") c.out.print(`${" ".repeat(24)}${c.out.dim("fix: " + x.hint)}`);
        }
        c.out.print(failed ? `${failed} check(s) failed` : "all required checks passed");
      }
      if (failed) c.exitCode = 7;
    });
};
