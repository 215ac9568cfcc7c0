import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/thread.js";
import type { Caller } from "../identity/guard.js";
import type { HandlerEntry } from "../rpc/handler.js";
import { assertCanSee, authorOf, readerOf, visibleRow } from "./access.js";
import { turnStep } from "./loops.js";
import { blockByPolicy } from "./control.js";
import type { ThreadDeps } from "./deps.js";

type PostParams = ReturnType<typeof m.threadPost.params.parse>;

/** thread.post: idempotency first (a retry is free), then status, rate limit, size; then seq, loop breakers. */
function post(d: ThreadDeps, p: PostParams, caller: Caller) {
  const { threads, messages } = d;
  const t = visibleRow(threads, p.id, caller);
  const author = authorOf(caller, p.as);
  if (p.kind === "system") throw new SwarmError("INVALID_ARGUMENT", "kind system is written by the daemon only; use message, finding or status");
  const msg = { author, kind: p.kind, body: p.body, in_reply_to: p.in_reply_to ?? null, progress: p.progress, idempotency_key: p.idempotency_key ?? null };
  const prior = messages.prior(p.id, msg);
  if (prior) return { message: prior, created: false, thread: threads.view(t, author) };
  if (t.status === "closed")
    throw new SwarmError("CONFLICT", `thread ${p.id} is closed; the operator can reopen it with thread.override`, { details: { id: p.id, status: t.status } });
  if (t.status === "blocked" && caller.kind === "agent") {
    throw new SwarmError("CONFLICT", `thread ${p.id} is blocked (${t.status_reason ?? "no reason"}); the operator or a coordinator must unblock it first`, {
      details: { id: p.id, status: t.status },
    });
  }
  const max = d.cfg().max_body_bytes;
  const bytes = Buffer.byteLength(p.body, "utf8");
  if (bytes > max)
    throw new SwarmError("INVALID_ARGUMENT", `message body is ${bytes} bytes; threads.max_body_bytes is ${max}`, { details: { bytes, limit: max } });
  if (caller.kind === "agent") d.rate.take(caller.id);
  if (caller.role === "coordinator" && !threads.isParticipant(p.id, caller.id)) threads.join(p.id, caller.id, "coordinator");
  const { message, thread: after } = messages.append(p.id, msg, turnStep(author, p.progress));
  const decision = d.loops.onPost(p.id, message, after.no_progress_turns);
  if (decision) blockByPolicy(d, p.id, decision);
  const { finding_hash: _h, ...out } = message;
  // the row the post returned is the thread as it is now, unless a loop breaker just blocked it
  return { message: out, created: true, thread: decision ? threads.get(p.id, author) : threads.view(after, author) };
}

export function threadHandlers(d: ThreadDeps): HandlerEntry[] {
  const { guard, threads, messages } = d;
  return [
    guard.handle(m.threadCreate, (p, caller) => {
      const workspace = p.workspace ?? caller.workspace ?? "default";
      if (p.ticket_id) d.assertTicket(p.ticket_id);
      const participants = [...p.participants];
      if (caller.kind === "agent" && !participants.some((x) => x.agent_id === caller.id)) participants.unshift({ agent_id: caller.id, role: caller.role });
      const seen = new Set<string>();
      for (const x of participants) {
        if (seen.has(x.agent_id)) throw new SwarmError("INVALID_ARGUMENT", `participant ${x.agent_id} is listed twice`);
        seen.add(x.agent_id);
      }
      const created_by = caller.kind === "agent" ? caller.id : "operator";
      return threads.create({
        workspace,
        type: p.type,
        title: p.title,
        ticket_id: p.ticket_id ?? null,
        participants,
        created_by,
        idempotency_key: p.idempotency_key ?? null,
      });
    }),
    guard.handle(m.threadGet, (p, caller) => {
      assertCanSee(threads, p.id, caller);
      return threads.get(p.id, readerOf(caller, undefined));
    }),
    guard.handle(m.threadList, (p, caller) => {
      const f = { ...p };
      if (caller.kind === "agent") {
        f.workspace = caller.workspace!;
        if (caller.role === "participant") f.participant = caller.id;
      }
      return { threads: threads.list(f, readerOf(caller, p.agent)) };
    }),
    guard.handle(m.threadPost, (p, caller) => post(d, p, caller)),
    guard.handle(m.threadRead, (p, caller) => {
      assertCanSee(threads, p.id, caller);
      const reader = readerOf(caller, p.as);
      const cursor = threads.cursor(p.id, reader);
      const since = p.since ?? (reader === "operator" ? 0 : cursor);
      return {
        messages: messages.read(p.id, since, p.limit),
        last_seq: threads.row(p.id).last_seq,
        last_read_seq: cursor,
        unread: threads.unread(p.id, reader, cursor),
      };
    }),
    guard.handle(m.threadAck, (p, caller) => {
      assertCanSee(threads, p.id, caller);
      return messages.ack(p.id, readerOf(caller, p.as), p.seq);
    }),
    guard.handle(m.bridgeHello, (_p, caller) => {
      if (caller.kind !== "agent" || !caller.session_id)
        throw new SwarmError("PERMISSION_DENIED", "bridge.hello is said by an agent's bridge, with the token swarm minted for its runtime");
      // the token's session is the runtime it was minted for (daemon/bridge/runtime-bridge.ts)
      return d.bridgeHello?.(caller.session_id) ?? { runtime: caller.session_id, waited_ms: null };
    }),
    guard.handle(m.sessionHeartbeat, (p, caller) => {
      const agent_id = caller.kind === "agent" ? caller.id : p.agent_id;
      const session_id = caller.kind === "agent" ? caller.session_id! : p.session_id;
      if (!agent_id || !session_id) throw new SwarmError("INVALID_ARGUMENT", "session.heartbeat without a token needs agent_id and session_id");
      const workspace = caller.workspace ?? p.workspace ?? "default";
      const beat = d.sessions.heartbeat({ ...p, agent_id, session_id, workspace });
      // after the commit: the wake then sees the heartbeat as the agent's acknowledgement
      if (d.wake) d.events.transactor.afterCommit(() => d.wake?.onHeartbeat(agent_id));
      return beat;
    }),
  ];
}
