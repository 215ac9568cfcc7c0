import { resolvePaths, type SwarmPaths } from "../protocol/paths.js";
import { RpcClient } from "../client/connection.js";
import { parseDuration, resolveDeadlines, type Deadlines } from "../client/deadlines.js";
import { createOutput, type Output } from "./output.js";

/** What every command gets: output, paths, deadlines, and a lazily opened daemon connection. */
export interface CliContext {
  readonly out: Output;
  readonly paths: SwarmPaths;
  readonly autostart: boolean;
  /** Per-call deadlines: defaults by method kind, SWARM_RPC_TIMEOUT / SWARM_RPC_LONG_TIMEOUT, --timeout. */
  readonly deadlines: Deadlines;
  /** Opens (once) a connection to the daemon, auto-starting it unless --no-autostart. */
  client(): Promise<RpcClient>;
  /** Drops the current connection and opens a new one (no autostart); for --follow loops. */
  reconnect(): Promise<RpcClient>;
  /** A socket connection without handshake or autostart (status probes, completion); throws when none listens. */
  probe(): Promise<RpcClient>;
  /** Calls one method on the daemon; typed by the method name (see client/methods.ts). */
  call: RpcClient["call"];
  /** Process exit code to use when the command returns normally. */
  exitCode: number;
  close(): void;
}

/** The global flags as commander (or cli/fast.ts) parsed them. */
export interface GlobalOpts {
  json?: boolean;
  autostart?: boolean;
  timeout?: string;
}

// Imported when a command first needs the handshake or autostart: a status probe does not.
const connectDaemon: typeof import("../client/connect.js").connectDaemon = async (...a) => (await import("../client/connect.js")).connectDaemon(...a);

export function createContext(opts: GlobalOpts): CliContext {
  const paths = resolvePaths();
  const deadlines = resolveDeadlines(process.env, opts.timeout === undefined ? undefined : parseDuration(opts.timeout, "--timeout"));
  let clientP: Promise<RpcClient> | null = null;
  const ctx: CliContext = {
    out: createOutput(opts.json === true),
    paths,
    autostart: opts.autostart !== false,
    deadlines,
    client() {
      clientP ??= connectDaemon(paths, { autostart: ctx.autostart, deadlines });
      return clientP;
    },
    reconnect() {
      if (clientP) clientP.then((c) => c.close()).catch(() => {});
      clientP = connectDaemon(paths, { autostart: false, deadlines });
      return clientP;
    },
    probe: () => RpcClient.connect(paths.socket, { deadlines }),
    call: (async (method: string, params?: unknown, callOpts?: object) =>
      (await ctx.client()).call(method as never, params as never, callOpts)) as RpcClient["call"],
    exitCode: 0,
    close() {
      if (clientP) clientP.then((c) => c.close()).catch(() => {});
    },
  };
  return ctx;
}

/** A command module registers its commands; `ctx()` is created once options are parsed. */
export type CommandGroup = (program: import("commander").Command, ctx: () => CliContext) => void;
