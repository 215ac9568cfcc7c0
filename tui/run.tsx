import React from "react";
import { render } from "ink";
import type { MethodName, ParamsFor } from "../client/index.js";
import type { SwarmPaths } from "../protocol/paths.js";
import { App } from "./components/app.js";
import { attachRuntime, DETACH_LABEL } from "./conn/attach.js";
import { notifyMode, watchNeedsYou, type NotifyMode } from "./conn/notify.js";
import { Session } from "./conn/session.js";
import type { Effects, RpcFailure } from "./keys/types.js";
import { agentList, needsYou } from "./state/select.js";
import { installFastOutput } from "./render/fast-output.js";
import { paintingStdout } from "./render/frame-stream.js";
import { feedPainter, PanePainter } from "./render/pane-painter.js";
import { createStore, type Store } from "./state/store.js";
import type { ViewId } from "./state/types.js";

export interface OpenTuiOptions {
  paths: SwarmPaths;
  autostart: boolean;
  view?: ViewId;
  /** Runtime name to focus (and zoom) once it is listed. */
  focus?: string;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Frame-rate cap of the renderer. */
  maxFps?: number;
  /** Tell the terminal when something new needs the person. */
  notify?: NotifyMode;
  /** Ink as it comes, for comparison (the bench): it draws the pane bodies, with its own cell grid. */
  plainInk?: boolean;
}

/** A pane painter fed by the store: a new screen paints that pane's body, nothing else is redrawn. */
function startPainter(store: Store, stdout: NodeJS.WriteStream, maxFps: number): { painter: PanePainter; stop(): void } {
  const painter = new PanePainter({ write: (s) => stdout.write(s), screens: () => store.getState().data.screens, maxFps, sync: stdout.isTTY === true });
  const unsub = feedPainter(store, painter);
  return {
    painter,
    stop() {
      unsub();
      painter.stop();
    },
  };
}

type Exit = { kind: "quit" } | { kind: "attach"; name: string };

function makeEffects(store: Store, session: Session, exit: (e: Exit) => void): Effects {
  const flash = (text: string, tone: "info" | "error") => store.dispatch({ type: "ui/flash", flash: { text, tone }, at: Date.now() });
  return {
    rpc<N extends MethodName>(method: N, params: ParamsFor<N>, done?: string, failed?: (err: RpcFailure) => boolean) {
      flash(`${method}…`, "info");
      session.call(method, params).then(
        () => {
          flash(done ?? `${method} done`, "info");
          for (const d of ["runtimes", "tickets", "approvals", "threads", "coordinator"] as const) session.markDirty(d);
        },
        (err: RpcFailure) => {
          if (!failed?.(err)) flash(`${method}: ${err.message}`, "error");
        },
      );
    },
    attach: (name) => exit({ kind: "attach", name }),
    quit: () => exit({ kind: "quit" }),
  };
}

/** Focuses (and zooms) a runtime once the first list that names it arrives. */
function focusWhenListed(store: Store, name: string): void {
  const unsub = store.subscribe(() => {
    const i = agentList(store.getState()).findIndex((r) => r.name === name);
    if (i < 0) return;
    unsub();
    store.dispatch({ type: "ui/select", view: "agents", index: i });
    store.dispatch({ type: "ui/zoom", name });
  });
}

/**
 * Runs the TUI until the user quits. The store and the daemon session live outside Ink,
 * so an attach unmounts Ink, hands the terminal to the agent, and renders again with
 * everything as it was.
 */
export async function openTui(o: OpenTuiOptions): Promise<number> {
  const stdin = o.stdin ?? process.stdin;
  const stdout = o.stdout ?? process.stdout;
  const store = createStore();
  if (o.view) store.dispatch({ type: "ui/view", view: o.view });
  if (o.focus) focusWhenListed(store, o.focus);
  const session = new Session({ paths: o.paths, autostart: o.autostart, store });
  session.start();
  const restoreInk = o.plainInk ? () => {} : await installFastOutput();
  const mode = notifyMode(store, () => session.call("config.get", { key: "tui.notify" }).then((r) => r.value), o.notify);
  const stopNotify = watchNeedsYou(store, mode, (s) => stdout.write(s));
  // Full screen: the alternate screen keeps the user's scrollback intact.
  stdout.write("\x1b[?1049h\x1b[2J\x1b[H");
  try {
    for (;;) {
      let exit!: (e: Exit) => void;
      const exited = new Promise<Exit>((r) => (exit = r));
      const fx = makeEffects(store, session, (e) => exit(e));
      const maxFps = o.maxFps ?? 30;
      const paint = o.plainInk ? null : startPainter(store, stdout, maxFps);
      const app = <App store={store} fx={fx} painter={paint?.painter} onVisible={(v) => session.screens.setVisible(v)} />;
      const ink = render(app, {
        stdin,
        stdout: paint ? paintingStdout(stdout, paint.painter) : stdout,
        exitOnCtrlC: false,
        patchConsole: false,
        maxFps,
      });
      const e = await exited;
      paint?.stop();
      ink.unmount();
      await ink.waitUntilExit();
      if (e.kind === "quit") break;
      const c = session.connection;
      if (!c) {
        store.dispatch({ type: "ui/flash", flash: { text: "not connected: cannot attach", tone: "error" }, at: Date.now() });
        continue;
      }
      const status = () => {
        const n = needsYou(store.getState()).length;
        return `attached to ${e.name} · ${DETACH_LABEL} detaches · needs you: ${n}`;
      };
      const why = await attachRuntime(c, e.name, { stdin, stdout, status }).catch((err: Error) => `attach failed: ${err.message}`);
      store.dispatch({ type: "ui/flash", flash: { text: why, tone: why.startsWith("attach failed") ? "error" : "info" }, at: Date.now() });
    }
  } finally {
    stopNotify();
    restoreInk();
    stdout.write("\x1b[?1049l");
    await session.close();
  }
  return 0;
}
