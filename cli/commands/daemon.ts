import fs from "node:fs";
import type { Command } from "commander";
import type { DaemonStatus } from "../../protocol/methods/daemon.js";
import { SwarmError } from "../../protocol/errors.js";
import { pidAlive } from "../../protocol/os.js";
import type { RpcClient } from "../../client/connection.js";
import type { CliContext, CommandGroup } from "../context.js";

// Only start and restart spawn swarmd; the status path does not load the spawning code.
const startDaemon: typeof import("../../client/connect.js").startDaemon = async (...a) => (await import("../../client/connect.js")).startDaemon(...a);

async function currentStatus(ctx: CliContext): Promise<DaemonStatus | null> {
  let c: RpcClient;
  try {
    c = await ctx.probe();
  } catch {
    return null;
  }
  try {
    return await c.call("daemon.status");
  } finally {
    c.close();
  }
}

async function stop(ctx: CliContext, timeoutMs: number): Promise<number | null> {
  const st = await currentStatus(ctx);
  if (!st) return null;
  const c = await ctx.probe();
  try {
    await c.call("daemon.shutdown", { reason: "swarmctl daemon stop" });
  } finally {
    c.close();
  }
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(st.pid)) {
    if (Date.now() > deadline) {
      throw new SwarmError("TIMEOUT", `swarmd (pid ${st.pid}) did not exit within ${timeoutMs / 1000} s`, {
        hint: `kill it with \`kill ${st.pid}\``,
      });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return st.pid;
}

function printStatus(ctx: CliContext, st: DaemonStatus): void {
  if (ctx.out.json) return ctx.out.printJson({ running: true, ...st });
  ctx.out.print(
    [
      `${ctx.out.ok("running")}  pid ${st.pid}, swarmd ${st.version} (protocol ${st.protocol_version}), up ${st.uptime_s} s`,
      `socket    ${st.socket}`,
      `database  ${st.database}`,
      `config    ${st.config_file}`,
      `log       ${st.log_file}`,
      `clients   ${st.connections}, last event ${st.last_event_id}`,
    ].join("\n"),
  );
}

/** `daemon status`; also run without commander (cli/fast.ts). */
export async function statusAction(c: CliContext): Promise<void> {
  const st = await currentStatus(c);
  if (st) return printStatus(c, st);
  if (c.out.json) c.out.printJson({ running: false, socket: c.paths.socket, database: c.paths.database });
  else c.out.print(`not running (no answer on ${c.paths.socket})`);
  c.exitCode = 7;
}

export const register: CommandGroup = (program: Command, ctx) => {
  const daemon = program.command("daemon").description("start, stop, inspect the swarmd daemon");
  daemon
    .command("start")
    .description("start swarmd in the background; returns once it answers (0 too if already running)")
    .action(async () => {
      const c = ctx();
      const before = await currentStatus(c);
      if (!before) await startDaemon(c.paths);
      const st = await currentStatus(c);
      if (!st) throw new SwarmError("UNAVAILABLE", "swarmd started but does not answer");
      if (c.out.json) c.out.printJson({ started: !before, running: true, ...st });
      else c.out.print(before ? `swarmd already running (pid ${st.pid})` : `swarmd started (pid ${st.pid}) on ${st.socket}`);
    });
  daemon
    .command("stop")
    .description("stop swarmd gracefully; returns once it has exited")
    // not --timeout: that global flag is the deadline of each call to swarmd
    .option("--wait <s>", "seconds to wait for the exit", "30")
    .action(async (o: { wait: string }) => {
      const c = ctx();
      const pid = await stop(c, Number(o.wait) * 1000);
      if (c.out.json) c.out.printJson({ stopped: pid !== null, pid });
      else c.out.print(pid ? `swarmd (pid ${pid}) stopped` : "swarmd was not running");
    });
  daemon
    .command("restart")
    .description("stop swarmd if running, then start it")
    .action(async () => {
      const c = ctx();
      await stop(c, 30_000);
      await startDaemon(c.paths);
      const st = await currentStatus(c);
      if (!st) throw new SwarmError("UNAVAILABLE", "swarmd restarted but does not answer");
      if (c.out.json) c.out.printJson({ restarted: true, ...st });
      else c.out.print(`swarmd restarted (pid ${st.pid})`);
    });
  daemon
    .command("status")
    .description("is swarmd running? pid, version, socket, database, uptime (exit 7 when not running)")
    .action(() => statusAction(ctx()));
  daemon
    .command("logs")
    .description("print the daemon's JSON log (last lines), or follow it")
    .option("-n, --lines <n>", "how many lines from the end", "50")
    .option("-f, --follow", "keep printing new lines")
    .action(async (o: { lines: string; follow?: boolean }) => {
      const c = ctx();
      const file = c.paths.logFile;
      if (!fs.existsSync(file)) throw new SwarmError("NOT_FOUND", `no log yet at ${file}`, { hint: "start the daemon first" });
      const text = fs.readFileSync(file, "utf8");
      const lines = text.split("\n").filter(Boolean).slice(-Number(o.lines));
      for (const l of lines) process.stdout.write(l + "\n");
      if (!o.follow) return;
      let pos = Buffer.byteLength(text);
      await new Promise<void>(() => {
        fs.watchFile(file, { interval: 200 }, (cur) => {
          if (cur.size < pos) pos = 0; // rotated
          if (cur.size === pos) return;
          const fd = fs.openSync(file, "r");
          const buf = Buffer.alloc(cur.size - pos);
          fs.readSync(fd, buf, 0, buf.length, pos);
          fs.closeSync(fd);
          pos = cur.size;
          process.stdout.write(buf);
        });
      });
    });
};
