import { spawn } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { METHODS } from "../protocol/methods/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { SWARM_VERSION } from "../protocol/version.js";
import { ConfigError, ConfigStore } from "./config/config-store.js";
import type { DaemonContext } from "./context.js";
import { buildDomains, type Domain } from "./domains.js";
import { EventLog } from "./events/event-log.js";
import { configHandlers } from "./handlers/config.js";
import { conformanceHandlers } from "./handlers/conformance.js";
import { daemonHandlers } from "./handlers/daemon.js";
import { eventHandlers } from "./handlers/event.js";
import { createFileLogger } from "./log/logger.js";
import { Dispatcher } from "./rpc/dispatcher.js";
import { openDatabase } from "./store/db.js";
import { acquireInstance, AlreadyRunningError, socketAnswers } from "./transport/instance-lock.js";
import { SocketServer } from "./transport/socket-server.js";

const USAGE = `usage: swarmd [--foreground] [--version] [--help]

Runs the swarm daemon. Without --foreground it starts itself in the background and
returns once it answers on its socket. Paths follow SWARM_HOME (see docs/paths.md).
`;

/** Exit codes of swarmd itself (the CLI's table is in protocol/errors.ts). */
const EXIT = { ok: 0, usage: 64, alreadyRunning: 4, badConfig: 78, startFailed: 1 } as const;

async function runForeground(): Promise<void> {
  const paths = resolvePaths();
  fs.mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  let config: ConfigStore;
  const hooks = { onReload: (_c: unknown) => {}, onInvalid: (_p: unknown) => {} };
  try {
    config = new ConfigStore(paths.configFile, {
      onReload: (c) => hooks.onReload(c),
      onInvalid: (p) => hooks.onInvalid(p),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`swarmd: ${err.message}\nFix the file (or run \`swarmctl config check\`), then start again.\n`);
      process.exit(EXIT.badConfig);
    }
    throw err;
  }
  const logger = createFileLogger(paths.logFile, config.get().log.level, config.get().log.max_bytes);
  let release: () => void;
  try {
    release = await acquireInstance(paths.lockFile, paths.socket);
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      process.stderr.write(`swarmd: ${err.message}\n`);
      process.exit(EXIT.alreadyRunning);
    }
    throw err;
  }
  const db = openDatabase(paths.database);
  const events = new EventLog(db);
  const shutdownFns: (() => void | Promise<void>)[] = [];
  let shuttingDown: Promise<void> | null = null;
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

  const dispatcher = new Dispatcher(logger);
  const server = new SocketServer({
    socketPath: paths.socket,
    maxFrameBytes: config.get().rpc.max_frame_bytes,
    logger,
    onFrame: (text, conn) => dispatcher.handleFrame(text, conn),
  });
  dispatcher.register(daemonHandlers(ctx, { connections: () => server.connectionCount }));
  dispatcher.register(eventHandlers(ctx));
  dispatcher.register(configHandlers(ctx));
  const domains: Domain[] = buildDomains(ctx);
  for (const d of domains) dispatcher.register(d.handlers);
  if (process.env.SWARM_TEST_METHODS === "1") dispatcher.register(conformanceHandlers());
  const missing = METHODS.filter((m) => !dispatcher.has(m.name)).map((m) => m.name);
  if (missing.length) throw new Error(`methods without a handler: ${missing.join(", ")}`);

  async function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return shuttingDown;
    shuttingDown = (async () => {
      logger.info("shutting down", { reason });
      dispatcher.stopping = true;
      events.append("daemon.stopping", null, { reason });
      server.stopAccepting();
      const grace = Date.now() + config.get().daemon.shutdown_grace_ms;
      while (server.inFlight > 0 && Date.now() < grace) await new Promise((r) => setTimeout(r, 10));
      for (const d of [...domains].reverse()) await d.stop?.();
      for (const fn of shutdownFns.reverse()) await fn();
      server.closeAll();
      await config.close();
      db.close();
      fs.rmSync(paths.socket, { force: true });
      release();
      logger.info("stopped");
      process.exit(EXIT.ok);
    })();
    return shuttingDown;
  }

  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGHUP", () => config.reload());
  process.on("unhandledRejection", (err) => logger.error("unhandled rejection", { error: String(err) }));
  process.on("uncaughtException", (err) => {
    logger.error("uncaught exception; shutting down", { error: String(err), stack: err.stack });
    void shutdown("uncaughtException");
  });

  await server.listen();
  config.watch();
  for (const d of domains) await d.start?.();
  events.append("daemon.started", null, { pid: process.pid, version: SWARM_VERSION });
  logger.info("listening", { socket: paths.socket, pid: process.pid, version: SWARM_VERSION });
  process.stderr.write(`swarmd ${SWARM_VERSION} listening on ${paths.socket} (pid ${process.pid})\n`);
}

/** Starts `swarmd --foreground` detached and returns once its socket answers. */
async function runBackground(): Promise<void> {
  const paths = resolvePaths();
  if (fs.existsSync(paths.socket) && (await socketAnswers(paths.socket))) {
    process.stdout.write(`swarmd already running on ${paths.socket}\n`);
    return;
  }
  fs.mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
  const out = fs.openSync(`${paths.logDir}/swarmd.stderr.log`, "a", 0o600);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--foreground"], {
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.unref();
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? 1));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const tail = fs.readFileSync(`${paths.logDir}/swarmd.stderr.log`, "utf8").split("\n").slice(-6).join("\n");
      process.stderr.write(`swarmd failed to start (exit ${exited}):\n${tail}\n`);
      process.exit(exited || EXIT.startFailed);
    }
    if (await socketAnswers(paths.socket, 200)) {
      process.stdout.write(`swarmd started (pid ${child.pid}) on ${paths.socket}\n`);
      process.exit(EXIT.ok);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  process.stderr.write(`swarmd did not answer on ${paths.socket} within 15 s; see ${paths.logFile}\n`);
  process.exit(EXIT.startFailed);
}

export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.includes("--version")) {
    process.stdout.write(SWARM_VERSION + "\n");
    return;
  }
  const unknown = args.filter((a) => a !== "--foreground");
  if (unknown.length) {
    process.stderr.write(`swarmd: unknown argument ${unknown[0]}\n${USAGE}`);
    process.exit(EXIT.usage);
  }
  if (args.includes("--foreground")) await runForeground();
  else await runBackground();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  main(process.argv).catch((err) => {
    process.stderr.write(`swarmd: failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(EXIT.startFailed);
  });
}
