import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/runtime.js";
import { handle, type HandlerEntry } from "../rpc/handler.js";
import type { RuntimeManager } from "./manager.js";
import type { RuntimeRow } from "./registry.js";
import { deliver } from "./send.js";
import { unmanagedRefusal } from "./tmux-backend.js";
import type { UnmanagedRuntimes } from "./unmanaged.js";

function pub(row: RuntimeRow): m.Runtime {
  const { holder_socket: _s, detector: _d, ...rest } = row;
  return rest;
}

export function runtimeHandlers(mgr: RuntimeManager, unmanaged: UnmanagedRuntimes): HandlerEntry[] {
  const tmux = mgr.tmux;
  /** Unmanaged runtimes are read-only for swarm: anything that writes to them is refused up front. */
  const writable = (name: string, what: string): void => {
    if (mgr.row(name).management === "unmanaged") throw unmanagedRefusal(name, what);
  };
  /** tmux runtimes are watched through tmux; there is no byte stream to attach to or type into. */
  const notForTmux = (name: string, what: string): void => {
    if (!tmux.has(name)) return;
    throw new SwarmError("INVALID_ARGUMENT", `runtime ${name} runs in tmux; ${what} is for PTY-holder runtimes`, {
      hint: `use \`swarmctl runtime send|screen ${name}\`, or tmux itself: \`tmux -S ${tmux.ownSocketPath()} attach -t ${mgr.row(name).target ?? ""}\``,
    });
  };
  const waitGone = async (name: string, signal: string, timeoutMs: number) => {
    writable(name, "signals");
    if (tmux.has(name)) return tmux.signal(name, signal, timeoutMs);
    const rt = mgr.signal(name, signal);
    return rt.waitExit(timeoutMs);
  };
  const entries = [
    handle(m.runtimeStart, async (p) => pub(await mgr.start(p))),
    handle(m.runtimeList, () => ({ runtimes: mgr.list().map(pub) })),
    handle(m.runtimeShow, (p) => {
      const row = mgr.row(p.name);
      return { ...pub(row), recordings: mgr.recordings(row) };
    }),
    handle(m.runtimeStop, async (p) => {
      if (!(await waitGone(p.name, "SIGTERM", p.timeout_ms))) await waitGone(p.name, "SIGKILL", 5000);
      return pub(mgr.row(p.name));
    }),
    handle(m.runtimeKill, async (p) => {
      await waitGone(p.name, p.signal, 5000);
      return pub(mgr.row(p.name));
    }),
    handle(m.runtimeRemove, (p) => {
      mgr.remove(p.name);
      return { removed: true as const };
    }),
    handle(m.runtimeSend, (p) => {
      writable(p.name, "writes to");
      const cfg = mgr.cfg();
      const o = {
        text: p.text,
        enter: p.enter,
        enterDelayMs: p.enter_delay_ms ?? cfg.enter_delay_ms,
        confirmTimeoutMs: p.confirm_timeout_ms ?? cfg.confirm_timeout_ms,
      };
      if (tmux.has(p.name)) return tmux.send(p.name, o);
      return deliver(mgr.liveOf(p.name, { running: true }), o);
    }),
    handle(m.runtimeScreen, (p) => {
      if (tmux.has(p.name)) return tmux.screen(p.name, p);
      const rt = mgr.liveOf(p.name);
      const v = rt.model.view();
      return {
        name: p.name,
        state: rt.row.state,
        why: rt.row.why,
        cols: v.cols,
        rows: v.rows,
        cursor: v.cursor,
        alt_screen: v.altScreen,
        bracketed_paste: v.bracketedPaste,
        title: v.title,
        lines: v.lines,
        ...(p.scrollback > 0 ? { scrollback: rt.model.scrollback(p.scrollback) } : {}),
        ...(p.ansi ? { ansi: rt.model.ansi() } : {}),
      };
    }),
    handle(m.runtimeAttach, (p, call) => {
      writable(p.name, "attaches to");
      notForTmux(p.name, "attach");
      const rt = mgr.liveOf(p.name, { running: true });
      const snapshot = rt.attach(call.connection);
      return { snapshot, cols: rt.model.cols, rows: rt.model.rows, state: rt.row.state };
    }),
    handle(m.runtimeDetach, (p, call) => {
      const rt = mgr.liveOf(p.name);
      return { detached: rt.detach(call.connection) };
    }),
    handle(m.runtimeInput, (p) => {
      writable(p.name, "writes to");
      notForTmux(p.name, "raw input");
      const rt = mgr.liveOf(p.name, { running: true });
      if (p.human) mgr.humanInput(rt);
      rt.link?.input(p.data);
      return { written: Buffer.byteLength(p.data) };
    }),
    handle(m.runtimeRegister, (p) => pub(unmanaged.register(p))),
    handle(m.runtimeObserve, async (p) => pub(await tmux.observe(p))),
    handle(m.runtimeHeartbeat, (p) => pub(unmanaged.heartbeat(p))),
    handle(m.runtimeDeregister, (p) => {
      unmanaged.deregister(p.name);
      return { removed: true as const };
    }),
    handle(m.runtimeResize, (p) => {
      writable(p.name, "resizes");
      notForTmux(p.name, "resize");
      const rt = mgr.liveOf(p.name, { running: true });
      mgr.resize(rt, p.cols, p.rows);
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
