import * as m from "../../protocol/methods/runtime.js";
import type { AuditRecord } from "../audit/log.js";
import { operatorLabel } from "../audit/domain.js";
import { handle, type CallContext, type HandlerEntry } from "../rpc/handler.js";
import type { RuntimeManager } from "./manager.js";
import type { RuntimeRow } from "./registry.js";

function pub(row: RuntimeRow): m.Runtime {
  const { holder_socket: _s, detector: _d, ...rest } = row;
  return rest;
}

/** Where the runtime domain writes audit rows of its own (a deliberate answer, a forced delivery). */
export type RuntimeAudit = (rec: AuditRecord) => void;

/**
 * The runtime.* methods. Each is one call on the manager, which routes it to the runtime's
 * backend and refuses, by feature flag, what that backend cannot do.
 */
export function runtimeHandlers(mgr: RuntimeManager, audit: RuntimeAudit = () => {}): HandlerEntry[] {
  const note = (call: CallContext, action: string, subject: string, details: Record<string, unknown>) =>
    audit({ actor: operatorLabel(call), actor_kind: "operator", action, subject, outcome: "ok", details });
  const entries = [
    handle(m.runtimeStart, async (p) => pub(await mgr.start(p))),
    handle(m.runtimeList, () => ({ runtimes: mgr.list().map(pub) })),
    handle(m.runtimeShow, (p) => {
      const row = mgr.row(p.name);
      return { ...pub(row), recordings: mgr.recordings(row), features: mgr.info(row).features };
    }),
    handle(m.runtimeStop, async (p) => {
      return pub(await mgr.stop(p.name, p.timeout_ms));
    }),
    handle(m.runtimeKill, async (p) => {
      return pub((await mgr.killRow(p.name, p.signal, 5000)).row);
    }),
    handle(m.runtimeRemove, (p) => {
      mgr.remove(p.name);
      return { removed: true as const };
    }),
    handle(m.runtimeSend, async (p, call) => {
      const r = await mgr.send(p.name, mgr.sendOptions(p));
      // what --force went over is on record: the draft it typed into, the person it interrupted
      if (r.forced) note(call, "runtime.send.forced", p.name, { ...r.forced, status: r.status });
      return r;
    }),
    handle(m.runtimeAnswer, async (p, call) => {
      const r = await mgr.answer(p.name, p.answer);
      note(call, "runtime.answered", p.name, { question: r.question, choice: r.choice, state: r.state });
      return r;
    }),
    handle(m.runtimeScreen, (p) => mgr.screen(p.name, p)),
    handle(m.runtimeAttach, (p, call) => mgr.attach(p.name, call.connection)),
    handle(m.runtimeDetach, (p, call) => ({ detached: mgr.detach(p.name, call.connection) })),
    handle(m.runtimeInput, (p) => ({ written: mgr.input(p.name, p.data, p.human) })),
    handle(m.runtimeRegister, (p) => pub(mgr.unmanaged.register(p))),
    handle(m.runtimeObserve, async (p) => pub(await mgr.tmux.observe(p))),
    handle(m.runtimeHeartbeat, (p) => pub(mgr.unmanaged.heartbeat(p))),
    handle(m.runtimeDeregister, (p) => {
      mgr.unmanaged.deregister(p.name);
      return { removed: true as const };
    }),
    handle(m.runtimeResume, async (p) => {
      const r = await mgr.resume(p.name, p);
      return { ...pub(r.row), resumed_from: r.resumedFrom, headless: r.headless };
    }),
    handle(m.runtimeResize, async (p) => {
      await mgr.resize(p.name, p.cols, p.rows);
      return { cols: p.cols, rows: p.rows };
    }),
  ];
  // Requests that arrive while a restarted daemon is still re-linking its runtimes wait for it.
  return entries.map((e) => ({
    method: e.method,
    fn: async (params: unknown, call: Parameters<HandlerEntry["fn"]>[1]) => {
      await mgr.ready();
      return e.fn(params, call);
    },
  }));
}
