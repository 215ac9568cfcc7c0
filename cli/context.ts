import type { Command } from "commander";
import { resolvePaths, type SwarmPaths } from "../protocol/paths.js";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { createOutput, type Output } from "./output.js";

/** What every command gets: output, paths, and a lazily opened daemon connection. */
export interface CliContext {
  readonly out: Output;
  readonly paths: SwarmPaths;
  readonly autostart: boolean;
  /** Opens (once) a connection to the daemon, auto-starting it unless --no-autostart. */
  client(): Promise<RpcClient>;
  /** Drops the current connection and opens a new one (no autostart); for --follow loops. */
  reconnect(): Promise<RpcClient>;
  /** Calls one method on the daemon. */
  call<R = unknown>(method: string, params?: unknown): Promise<R>;
  /** Process exit code to use when the command returns normally. */
  exitCode: number;
  close(): void;
}

export function createContext(program: Command): CliContext {
  const opts = program.opts<{ json?: boolean; autostart?: boolean }>();
  const paths = resolvePaths();
  let clientP: Promise<RpcClient> | null = null;
  const ctx: CliContext = {
    out: createOutput(opts.json === true),
    paths,
    autostart: opts.autostart !== false,
    client() {
      clientP ??= connectDaemon(paths, { autostart: ctx.autostart });
      return clientP;
    },
    reconnect() {
      if (clientP) clientP.then((c) => c.close()).catch(() => {});
      clientP = connectDaemon(paths, { autostart: false });
      return clientP;
    },
    async call<R>(method: string, params?: unknown): Promise<R> {
      return (await ctx.client()).call<R>(method, params);
    },
    exitCode: 0,
    close() {
      if (clientP) clientP.then((c) => c.close()).catch(() => {});
    },
  };
  return ctx;
}

/** A command module registers its commands; `ctx()` is created once options are parsed. */
export type CommandGroup = (program: Command, ctx: () => CliContext) => void;
