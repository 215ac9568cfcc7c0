import { z } from "zod";
import type { MethodDef } from "../../protocol/method.js";
import * as m from "../../protocol/methods/thread.js";

/** One MCP tool: the RPC method it calls, and whether it writes (writes carry an idempotency key). */
export interface ToolDef {
  readonly name: string;
  readonly description: string;
  readonly method: MethodDef;
  readonly write: boolean;
}

/** The bridge's tools (docs/agents.md). Descriptions lead with what an agent uses the tool for; the method summary follows. */
export const TOOLS: readonly ToolDef[] = [
  { name: "create_thread", method: m.threadCreate, write: true, description: "Start a thread with other agents (you join it)." },
  { name: "get_thread", method: m.threadGet, write: false, description: "A thread's status, participants and your unread count." },
  { name: "post_message", method: m.threadPost, write: true, description: "Post to a thread; pass idempotency_key so a retry never posts twice." },
  { name: "read_messages", method: m.threadRead, write: false, description: "Read messages after your read cursor (or after `since`)." },
  { name: "ack_read", method: m.threadAck, write: false, description: "Mark messages read up to `seq` (default: all)." },
  { name: "update_thread_status", method: m.threadStatus, write: true, description: "Change the thread's status (waiting, disputed, resolved…)." },
  { name: "summarize_thread", method: m.threadSummarize, write: false, description: "Get the thread's summary and counts; with `text`, store a new summary." },
  { name: "heartbeat_session", method: m.sessionHeartbeat, write: false, description: "Tell swarm your session is alive (runtime, resumable)." },
  { name: "trigger_participant", method: m.threadTrigger, write: true, description: "Ask swarm to wake a participant to look at the thread." },
].map((t) => ({ ...t, description: `${t.description} ${t.method.summary}` }));

/**
 * The tool's input schema, derived from the method's params schema (one source): the
 * object under any default/optional wrapper, without `auth`, which the bridge fills in.
 */
export function toolInput(def: MethodDef): z.ZodObject {
  let s: z.ZodType = def.params;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  if (!(s instanceof z.ZodObject)) throw new Error(`${def.name}: params are not an object schema; it cannot be an MCP tool`);
  const shape: Record<string, z.ZodType> = { ...(s.shape as Record<string, z.ZodType>) };
  delete shape.auth;
  return z.object(shape);
}

/** The result schema, when it is an object (MCP's structuredContent must be one). */
export function toolOutput(def: MethodDef): z.ZodObject | undefined {
  return def.result instanceof z.ZodObject ? def.result : undefined;
}
