import { z } from "zod";
import { defineMethod } from "../method.js";

export const daemonHello = defineMethod({
  name: "daemon.hello",
  summary: "Handshake. The client states its protocol version and name; the daemon answers with its own, or a CONFLICT error naming the side to upgrade.",
  mutating: false,
  params: z.object({
    protocol_version: z.string().regex(/^\d+\.\d+$/, "protocol_version is MAJOR.MINOR, e.g. 1.0"),
    client: z.string().max(200).default("unknown"),
  }),
  result: z.object({
    protocol_version: z.string(),
    daemon_version: z.string(),
    schema_version: z.number().int(),
    connection_id: z.number().int(),
    max_frame_bytes: z
      .number()
      .int()
      .optional()
      .describe("largest frame (one line) the daemon accepts (rpc.max_frame_bytes); clients refuse bigger requests before sending"),
    max_ticket_body_bytes: z.number().int().optional().describe("largest ticket body the daemon accepts (tickets.max_body_bytes)"),
  }),
});

export const DaemonStatus = z.object({
  pid: z.number().int(),
  version: z.string(),
  protocol_version: z.string(),
  socket: z.string(),
  database: z.string(),
  home: z.string(),
  config_file: z.string(),
  log_file: z.string(),
  started_at: z.string(),
  uptime_s: z.number(),
  connections: z.number().int(),
  last_event_id: z.number().int(),
});
export type DaemonStatus = z.infer<typeof DaemonStatus>;

export const daemonStatus = defineMethod({
  name: "daemon.status",
  summary: "Process id, versions, paths, uptime and the last event id.",
  mutating: false,
  params: z.object({}).default({}),
  result: DaemonStatus,
});

export const daemonPing = defineMethod({
  name: "daemon.ping",
  summary: "Liveness check; echoes `data` back. Used by health checks and benchmarks.",
  mutating: false,
  params: z.object({ data: z.unknown().optional() }).default({}),
  result: z.object({ pong: z.literal(true), data: z.unknown().optional() }),
});

export const daemonShutdown = defineMethod({
  name: "daemon.shutdown",
  summary: "Graceful shutdown: stop accepting work, flush, leave environments intact. Replies before exiting.",
  mutating: true,
  params: z.object({ reason: z.string().max(500).optional() }).default({}),
  result: z.object({ pid: z.number().int() }),
});
