import React, { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { Box, useInput, useStdout } from "ink";
import { routeKey } from "../keys/keymap.js";
import { isText, splitPresses } from "../keys/normalize.js";
import type { Effects } from "../keys/types.js";
import type { PanePainter } from "../render/pane-painter.js";
import { bodyRows, VIEW_TOP } from "../state/layout.js";
import type { Store } from "../state/store.js";
import type { PaneScreen, TuiState } from "../state/types.js";
import { AgentsView, paneRects, visiblePanes } from "../views/agents.js";
import { BodiesPainted, bodyRect } from "../views/pane.js";
import { ApprovalsView } from "../views/approvals.js";
import { CoordinatorView } from "../views/coordinator.js";
import { EnvsView } from "../views/envs.js";
import { EventsView } from "../views/events.js";
import { ThreadsView } from "../views/threads.js";
import { TicketsView } from "../views/tickets.js";
import { Header, NeedsYouBar, StatusLine, Tabs } from "./chrome.js";
import { Help } from "./help.js";

export interface AppProps {
  store: Store;
  fx: Effects;
  /** Told which panes are on screen whenever that changes (the screen poller fetches only these). */
  onVisible?(panes: Map<string, number>): void;
  /** Flash messages disappear after this long (ms). */
  flashMs?: number;
  /** Paints the pane bodies outside Ink; without it Ink draws them (tests, pipes). */
  painter?: PanePainter;
}

/** Stands for "this pane has a screen" in the chrome's state: the painter draws what is in it. */
const HAS_SCREEN: PaneScreen = { ansi: "", cols: 1, rows: 1, at: 0 };

/**
 * The state the chrome renders from when the bodies are painted outside Ink: the same
 * object as long as only screens changed (so a new screen re-renders nothing in React or Ink).
 */
function chromeSnapshot(store: Store): () => TuiState {
  let lastIn: TuiState | null = null;
  let lastOut: TuiState | null = null;
  return () => {
    const s = store.getState();
    if (s === lastIn && lastOut) return lastOut;
    const names = Object.keys(s.data.screens);
    const prev = lastOut;
    const same =
      prev !== null &&
      lastIn !== null &&
      s.ui === lastIn.ui &&
      s.conn === lastIn.conn &&
      (Object.keys(s.data) as (keyof TuiState["data"])[]).every((k) => k === "screens" || s.data[k] === lastIn!.data[k]) &&
      names.length === Object.keys(prev.data.screens).length &&
      names.every((n) => n in prev.data.screens);
    lastIn = s;
    if (!same) lastOut = { ...s, data: { ...s.data, screens: Object.fromEntries(names.map((n) => [n, HAS_SCREEN])) } };
    return lastOut!;
  };
}

/** The terminal's size, kept current across resizes. */
function useTerminalSize(): { cols: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const on = () => setSize(read());
    stdout.on("resize", on);
    return () => void stdout.off("resize", on);
  }, [stdout]);
  return size;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function View({ state, width, height, now }: { state: TuiState; width: number; height: number; now: number }) {
  if (state.ui.help) return <Help state={state} width={width} height={height} />;
  const p = { state, width, height, now };
  switch (state.ui.view) {
    case "agents":
      return <AgentsView {...p} />;
    case "tickets":
      return <TicketsView {...p} />;
    case "approvals":
      return <ApprovalsView {...p} />;
    case "threads":
      return <ThreadsView {...p} />;
    case "events":
      return <EventsView {...p} />;
    case "envs":
      return <EnvsView {...p} />;
    case "coordinator":
      return <CoordinatorView {...p} />;
  }
}

/**
 * The whole screen: header, view tabs, the current view, the needs-you bar and a status
 * line. The frame is one row shorter than the terminal, so Ink never clears the screen.
 */
export function App({ store, fx, onVisible, flashMs = 4000, painter }: AppProps) {
  const snapshot = useMemo(() => (painter ? chromeSnapshot(store) : store.getState), [store, painter]);
  const state = useSyncExternalStore(store.subscribe, snapshot);
  const size = useTerminalSize();
  const now = useNow(1000);
  const body = bodyRows(size.rows);
  useInput((input, key) => {
    for (const p of splitPresses(input, key))
      routeKey({ key: p.name, text: p.text, isText: isText(p.name, p.text, p.key), state: store.getState(), dispatch: store.dispatch, fx, size });
  });
  const rects = paneRects(state, size.cols, body);
  // the painter takes this layout when Ink writes the frame rendered from it
  painter?.setLayout(new Map([...rects].map(([k, r]) => [k, bodyRect(r, VIEW_TOP)])));
  const visible = visiblePanes(state, size.cols, body);
  const visibleKey = [...visible].map(([k, v]) => `${k}:${v}`).join(",");
  const last = useRef("");
  useEffect(() => {
    if (visibleKey === last.current) return;
    last.current = visibleKey;
    onVisible?.(visible);
  }, [visibleKey]);
  const flash = state.ui.flash;
  useEffect(() => {
    if (!flash) return;
    const t = setTimeout(() => store.getState().ui.flash === flash && store.dispatch({ type: "ui/flash", flash: null, at: Date.now() }), flashMs);
    return () => clearTimeout(t);
  }, [flash]);
  return (
    <BodiesPainted.Provider value={painter !== undefined}>
      <Box flexDirection="column" width={size.cols} height={size.rows - 1} overflowY="hidden">
        <Header state={state} width={size.cols} />
        <Tabs state={state} width={size.cols} />
        <Box height={body} width={size.cols} overflowY="hidden">
          <View state={state} width={size.cols} height={body} now={now} />
        </Box>
        <NeedsYouBar state={state} width={size.cols} />
        <StatusLine state={state} width={size.cols} />
      </Box>
    </BodiesPainted.Provider>
  );
}
