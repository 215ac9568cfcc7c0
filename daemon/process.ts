import fs from "node:fs";
import { METHODS } from "../protocol/methods/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { SWARM_VERSION } from "../protocol/version.js";
import { assembleDomains } from "./assemble.js";
import { ConfigError, ConfigStore } from "./config/config-store.js";
import type { DaemonContext } from "./context.js";
import type { Domain } from "./domains.js";
import { EventLog } from "./events/event-log.js";
import { configHandlers } from "./handlers/config.js";
import { daemonHandlers } from "./handlers/daemon.js";
import { eventHandlers } from "./handlers/event.js";
import { createFileLogger } from "./log/logger.js";
import { Dispatcher } from "./rpc/dispatcher.js";
import { openDatabase } from "./store/db.js";
import { acquireInstance, AlreadyRunningError } from "./transport/instance-lock.js";
import { SocketServer } from "./transport/socket-server.js";

/** Exit codes of swarmd itself (the CLI's table is in protocol/errors.ts). */
export const SWARMD_EXIT = { ok: 0, usage: 64, alreadyRunning: 4, badConfig: 78, startFailed: 1 } as const;

/** Reads the config file; a bad file stops the daemon with the file, the key and what is allowed. */
function loadConfig(file: string, hooks: { onReload(c: unknown): void; onInvalid(p: unknown): void }): ConfigStore {
  try {
    return new ConfigStore(file, { onReload: (c) => hooks.onReload(c), onInvalid: (p) => hooks.onInvalid(p) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`swarmd: ${err.message}\nFix the file (or run \`swarmctl config check\`), then start again.\n`);
      process.exit(SWARMD_EXIT.badConfig);
    }
    throw err;
  }
}

async function lockInstance(lockFile: string, socket: string): Promise<() => void> {
  try {
    return await acquireInstance(lockFile, socket);
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      process.stderr.write(`swarmd: ${err.message}\n`);
      process.exit(SWARMD_EXIT.alreadyRunning);
    }
    throw err;
  }
}

/** The running daemon: what shutdown must stop, in order. */
interface Running {
  ctx: DaemonContext;
  dispatcher: Dispatcher;
  server: SocketServer;
  domains: Domain[];
  shutdownFns: (() => void | Promise<void>)[];
  release: () => void;
}

async function stopAll(r: Running, reason: string): Promise<void> {
  const { ctx, dispatcher, server } = r;
  ctx.logger.info("shutting down", { reason });
  dispatcher.stopping = true;
  ctx.events.append("daemon.stopping", null, { reason });
  server.stopAccepting();
  const grace = Date.now() + ctx.cfg().daemon.shutdown_grace_ms;
  while (server.inFlight > 0 && Date.now() < grace) await new Promise((res) => setTimeout(res, 10));
  for (const d of [...r.domains].reverse()) await d.stop?.();
  for (const fn of r.shutdownFns.reverse()) await fn();
  server.closeAll();
  await ctx.config.close();
  ctx.db.close();
  fs.rmSync(ctx.paths.socket, { force: true });
  r.release();
  ctx.logger.info("stopped");
}

/** The RPC surface: the daemon's own methods plus every domain's; a method of the table without a handler stops start-up. */
function buildDispatcher(ctx: DaemonContext, server: () => SocketServer, domains: Domain[]): Dispatcher {
  const dispatcher = new Dispatcher(ctx.logger);
  dispatcher.register(daemonHandlers(ctx, { connections: () => server().connectionCount }));
  dispatcher.register(eventHandlers(ctx));
  dispatcher.register(configHandlers(ctx));
  for (const d of domains) dispatcher.register(d.handlers);
  const missing = METHODS.filter((m) => !dispatcher.has(m.name)).map((m) => m.name);
  if (missing.length) throw new Error(`methods without a handler: ${missing.join(", ")}`);
  return dispatcher;
}

function onSignals(ctx: DaemonContext, shutdown: (reason: string) => void): void {
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGHUP", () => ctx.config.reload());
  process.on("unhandledRejection", (err) => ctx.logger.error("unhandled rejection", { error: String(err) }));
  process.on("uncaughtException", (err) => {
    ctx.logger.error("uncaught exception; shutting down", { error: String(err), stack: err.stack });
    shutdown("uncaughtException");
  });
}

/**
 * `swarmd --foreground`: assembles the process in one place — config, logger, instance
 * lock, database, event log, domains (daemon/assemble.ts), dispatcher, socket, signals.
 */
export async function runForeground(): Promise<void> {
  const paths = resolvePaths();
  fs.mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const hooks = { onReload: (_c: unknown) => {}, onInvalid: (_p: unknown) => {} };
  const config = loadConfig(paths.configFile, hooks);
  const logger = createFileLogger(paths.logFile, config.get().log.level, config.get().log.max_bytes);
  const release = await lockInstance(paths.lockFile, paths.socket);
  const db = openDatabase(paths.database);
  const events = new EventLog(db, logger);
  const shutdownFns: (() => void | Promise<void>)[] = [];
  let shuttingDown: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => (shuttingDown ??= stopAll(running, reason).then(() => process.exit(SWARMD_EXIT.ok)));
  const ctx: DaemonContext = {
    paths,
    db,
    events,
    config,
    logger,
    startedAt: new Date(),
    cfg: () => config.get(),
    onShutdown: (fn) => shutdownFns.push(fn),
    requestShutdown: (reason) => void shutdown(reason),
  };
  hooks.onReload = (c) => {
    logger.setLevel((c as ReturnType<typeof config.get>).log.level);
    logger.info("config reloaded");
    events.append("config.reloaded", null, {});
  };
  hooks.onInvalid = (problems) => {
    logger.warn("config invalid; previous config stays in force", { problems });
    events.append("config.invalid", null, { file: paths.configFile, problems });
  };
  const domains = assembleDomains(ctx);
  const dispatcher = buildDispatcher(ctx, () => server, domains);
  const server = new SocketServer({
    socketPath: paths.socket,
    maxFrameBytes: config.get().rpc.max_frame_bytes,
    logger,
    onFrame: (text, conn) => dispatcher.handleFrame(text, conn),
  });
  const running: Running = { ctx, dispatcher, server, domains, shutdownFns, release };
  onSignals(ctx, (reason) => void shutdown(reason));

  await server.listen();
  config.watch();
  for (const d of domains) await d.start?.();
  events.append("daemon.started", null, { pid: process.pid, version: SWARM_VERSION });
  logger.info("listening", { socket: paths.socket, pid: process.pid, version: SWARM_VERSION });
  process.stderr.write(`swarmd ${SWARM_VERSION} listening on ${paths.socket} (pid ${process.pid})\n`);
}
