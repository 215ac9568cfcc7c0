import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/daemon.js";
import { PROTOCOL_VERSION, PROTOCOL_VERSION_STRING, SCHEMA_VERSION, SWARM_VERSION } from "../../protocol/version.js";
import type { DaemonContext } from "../context.js";
import { handle, type HandlerEntry } from "../rpc/handler.js";

export function daemonHandlers(ctx: DaemonContext, stats: { connections(): number }): HandlerEntry[] {
  return [
    handle(m.daemonHello, (p, call) => {
      const [major, minor] = p.protocol_version.split(".").map(Number) as [number, number];
      if (major !== PROTOCOL_VERSION.major) {
        const side = major > PROTOCOL_VERSION.major ? "the daemon" : "the client";
        throw new SwarmError("CONFLICT", `protocol mismatch: client speaks ${p.protocol_version}, daemon speaks ${PROTOCOL_VERSION_STRING}; upgrade ${side}`, {
          details: { client: p.protocol_version, daemon: PROTOCOL_VERSION_STRING, upgrade: side },
          hint:
            side === "the daemon"
              ? "install the newer swarm, then run `swarmctl daemon restart`"
              : "install the newer swarm so swarmctl matches the running daemon",
        });
      }
      call.connection.client = p.client;
      call.connection.protocolVersion = p.protocol_version;
      call.logger.debug("hello", { client: p.client, minor });
      return {
        protocol_version: PROTOCOL_VERSION_STRING,
        daemon_version: SWARM_VERSION,
        schema_version: SCHEMA_VERSION,
        connection_id: call.connection.id,
        max_frame_bytes: ctx.cfg().rpc.max_frame_bytes,
        max_ticket_body_bytes: ctx.cfg().tickets.max_body_bytes,
      };
    }),
    handle(m.daemonStatus, () => ({
      pid: process.pid,
      version: SWARM_VERSION,
      protocol_version: PROTOCOL_VERSION_STRING,
      socket: ctx.paths.socket,
      database: ctx.paths.database,
      home: ctx.paths.home,
      config_file: ctx.paths.configFile,
      log_file: ctx.paths.logFile,
      started_at: ctx.startedAt.toISOString(),
      uptime_s: Math.round((Date.now() - ctx.startedAt.getTime()) / 100) / 10,
      connections: stats.connections(),
      last_event_id: ctx.events.lastId(),
    })),
    handle(m.daemonPing, (p) => (p.data === undefined ? { pong: true as const } : { pong: true as const, data: p.data })),
    handle(m.daemonShutdown, (p, call) => {
      call.logger.info("shutdown requested", { reason: p.reason ?? "rpc", client: call.connection.client });
      // Reply first; the shutdown starts on the next tick.
      setImmediate(() => ctx.requestShutdown(p.reason ?? "daemon.shutdown"));
      return { pid: process.pid };
    }),
  ];
}
