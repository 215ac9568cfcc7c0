import React from "react";
import { Box, Text } from "ink";
import { fit, StateBadge } from "../components/badges.js";
import { gridFor } from "../state/layout.js";
import { agentList, ticketOf, unreadFor } from "../state/select.js";
import type { Runtime, TuiState } from "../state/types.js";
import { Pane, type PaneInfo } from "./pane.js";

interface Props {
  state: TuiState;
  width: number;
  height: number;
  now: number;
}

function info(s: TuiState, r: Runtime, focused: boolean, now: number): PaneInfo {
  return { runtime: r, screen: s.data.screens[r.name], ticket: ticketOf(s.data.tickets, r.name)?.id, unread: unreadFor(s.data.threads, r.name), focused, now };
}

/** Where a pane's box is, in cells from the top-left of the view's body. */
export interface PaneRect {
  x: number;
  y: number;
  cols: number;
  rows: number;
}

/**
 * The panes on screen now and their boxes, from the same layout functions the view below
 * draws with (gridFor, listRowsFor): the screen poller asks for these panes and the pane
 * painter (render/pane-painter.ts) paints into these boxes. test/tui/painter.test.ts checks
 * that the painted screen and Ink's own agree, layout by layout. Nothing while the help covers the view.
 */
export function paneRects(s: TuiState, width: number, height: number): Map<string, PaneRect> {
  const out = new Map<string, PaneRect>();
  if (s.ui.view !== "agents" || s.ui.help) return out;
  const list = agentList(s);
  if (list.length === 0) return out;
  if (s.ui.zoomed) {
    if (list.some((r) => r.name === s.ui.zoomed)) out.set(s.ui.zoomed, { x: 0, y: 0, cols: width, rows: height });
    return out;
  }
  const grid = s.ui.layout === "grid" ? gridFor(list.length, width, height) : null;
  if (grid) {
    list.forEach((r, i) =>
      out.set(r.name, { x: (i % grid.columns) * grid.paneCols, y: Math.floor(i / grid.columns) * grid.paneRows, cols: grid.paneCols, rows: grid.paneRows }),
    );
    return out;
  }
  const cursor = Math.min(s.ui.cursor.agents, list.length - 1);
  const rows = listRowsFor(list.length, height);
  out.set(list[cursor]!.name, { x: 0, y: rows, cols: width, rows: height - rows });
  return out;
}

/** List layout: rows of the agent list above the focused pane. */
const listRowsFor = (count: number, height: number) => Math.min(count, Math.max(3, Math.floor(height / 3)));

/** Which panes are on screen now and how often each may be refreshed: the screen poller asks for these only. */
export function visiblePanes(s: TuiState, width: number, height: number): Map<string, number> {
  const rects = paneRects(s, width, height);
  const every = rects.size > 1 ? 100 : 50;
  return new Map([...rects.keys()].map((k) => [k, every]));
}

/** The list's name column: as wide as the longest name, from 16 up to a third of the width. */
export function nameColumn(names: string[], width: number): number {
  const longest = Math.max(0, ...names.map((n) => n.length));
  return Math.max(16, Math.min(longest, Math.floor(width / 3)));
}

function AgentRow({ p, width, nameWidth }: { p: PaneInfo; width: number; nameWidth: number }) {
  const r = p.runtime;
  const cells = `${r.environment ?? "-"}  ${p.ticket ?? "-"}  ${p.unread ? `✉ ${p.unread}` : ""}`;
  return (
    <Text wrap="truncate-end" inverse={p.focused}>
      {fit(r.name, nameWidth).padEnd(nameWidth + 1)}
      {r.agent.padEnd(8)}
      <StateBadge state={r.state} /> <Text dimColor>{fit(`${r.why}  ${cells}`, width - nameWidth - 29)}</Text>
    </Text>
  );
}

/** Home view: a grid of live panes, or a list plus the focused pane when they do not fit; Enter zooms one. */
export function AgentsView({ state, width, height, now }: Props) {
  const list = agentList(state);
  const cursor = Math.min(state.ui.cursor.agents, list.length - 1);
  if (list.length === 0)
    return (
      <Box height={height} flexDirection="column">
        <Text dimColor>No agents yet. Press s to start one (or swarmctl runtime start).</Text>
      </Box>
    );
  const zoomed = state.ui.zoomed ? list.find((r) => r.name === state.ui.zoomed) : undefined;
  if (zoomed) return <Pane p={info(state, zoomed, true, now)} cols={width} rows={height} />;
  const grid = state.ui.layout === "grid" ? gridFor(list.length, width, height) : null;
  if (grid) {
    const rows = Array.from({ length: grid.rows }, (_, i) => list.slice(i * grid.columns, (i + 1) * grid.columns));
    return (
      <Box height={height} flexDirection="column" overflowY="hidden">
        {rows.map((row, i) => (
          <Box key={i} height={grid.paneRows}>
            {row.map((r, j) => (
              <Pane key={r.name} p={info(state, r, i * grid.columns + j === cursor, now)} cols={grid.paneCols} rows={grid.paneRows} />
            ))}
          </Box>
        ))}
      </Box>
    );
  }
  const listRows = listRowsFor(list.length, height);
  const first = Math.max(0, Math.min(cursor - Math.floor(listRows / 2), list.length - listRows));
  const focused = list[cursor]!;
  const nameWidth = nameColumn(
    list.map((r) => r.name),
    width,
  );
  return (
    <Box height={height} flexDirection="column" overflowY="hidden">
      <Box height={listRows} flexDirection="column">
        {list.slice(first, first + listRows).map((r, i) => (
          <AgentRow key={r.name} p={info(state, r, first + i === cursor, now)} width={width} nameWidth={nameWidth} />
        ))}
      </Box>
      <Pane p={info(state, focused, true, now)} cols={width} rows={height - listRows} />
    </Box>
  );
}
