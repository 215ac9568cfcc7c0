/**
 * A VM's allow-list proxy, run as its own detached process (`node proxy-main.js SOCK
 * QEMU_PIDFILE ALLOW_JSON`) so that, like the VM and its multiplexer, it outlives the daemon.
 * QEMU reaches it through host-bridge (one per guest connection). Denials go to stderr,
 * which is the VM's proxy.log. It exits when its QEMU is gone.
 */
import { parseArgs } from "node:util";
import { EXIT } from "../../protocol/exit-codes.js";
import { pidAlive, readPidFile } from "../../protocol/os.js";
import { AllowListProxy } from "../common/proxy.js";

function line(level: string, m: string, f?: Record<string, unknown>): void {
  process.stderr.write(`${new Date().toISOString()} ${level} ${m}${f ? " " + JSON.stringify(f) : ""}\n`);
}

function qemuGone(pidFile: string): boolean {
  const pid = readPidFile(pidFile);
  return pid === null || !pidAlive(pid);
}

async function main(): Promise<void> {
  const [sock, pidFile, allowJson] = parseArgs({ args: process.argv.slice(2), options: {}, allowPositionals: true }).positionals;
  if (!sock || !pidFile || !allowJson) {
    process.stderr.write("usage: proxy-main SOCK QEMU_PIDFILE ALLOW_JSON\n");
    process.exit(EXIT.usage);
  }
  const allow = JSON.parse(allowJson) as string[];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string, f?: Record<string, unknown>) => line("warn", m, f),
    error: (m: string, f?: Record<string, unknown>) => line("error", m, f),
  };
  const proxy = new AllowListProxy(sock, allow, log);
  await proxy.start();
  // Whatever close() waits for, the proxy must not outlive its VM: leave after a short grace.
  const leave = (): void => {
    setTimeout(() => process.exit(EXIT.ok), 2_000).unref();
    void proxy.close().finally(() => process.exit(EXIT.ok));
  };
  // QEMU writes its pid file while we start; give it time, then leave with it.
  const startedAt = Date.now();
  setInterval(() => {
    if (Date.now() - startedAt > 30_000 && qemuGone(pidFile)) leave();
  }, 2_000).unref();
  process.on("SIGTERM", leave);
}

main().catch((e: unknown) => {
  process.stderr.write(`swarm vm proxy: ${String(e)}\n`);
  process.exit(EXIT.failed);
});
