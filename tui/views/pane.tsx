import React, { createContext, useContext, useMemo } from "react";
import { Box, Text } from "ink";
import { ago, fit, StateBadge } from "../components/badges.js";
import { cropScreen } from "../render/ansi-crop.js";
import type { BodyRect } from "../render/pane-painter.js";
import type { PaneScreen, Runtime } from "../state/types.js";
import type { PaneRect } from "./agents.js";

/** True when the pane bodies are painted outside Ink (render/pane-painter.ts): the panes leave them blank. */
export const BodiesPainted = createContext(false);

/** Where a pane's screen goes inside its box: below the top border and the title line, inside the side borders. */
export function bodyRect(r: PaneRect, top: number): BodyRect {
  return { x: r.x + 1, y: top + r.y + 2, width: Math.max(1, r.cols - 2), height: Math.max(0, r.rows - 3) };
}

export interface PaneInfo {
  runtime: Runtime;
  screen: PaneScreen | undefined;
  ticket: string | undefined;
  unread: number;
  focused: boolean;
  now: number;
}

/** The title line of a pane: name, kind, state badge, why, environment, ticket, unread. */
export function PaneTitle({ p, width }: { p: PaneInfo; width: number }) {
  const r = p.runtime;
  const extras = [r.environment ? `env ${r.environment}` : null, p.ticket ? `ticket ${p.ticket}` : null, p.unread ? `✉ ${p.unread}` : null]
    .filter(Boolean)
    .join(" · ");
  const head = `${r.name} ${r.agent} `;
  const rest = width - head.length - r.state.length - 3;
  return (
    <Text wrap="truncate-end">
      <Text bold color={p.focused ? "cyan" : undefined}>
        {r.name}
      </Text>
      <Text dimColor> {r.agent} </Text>
      <StateBadge state={r.state} />
      <Text dimColor> {fit([r.why, extras].filter(Boolean).join(" · "), Math.max(0, rest))}</Text>
    </Text>
  );
}

type PaneProps = { p: PaneInfo; cols: number; rows: number };

/** Same pane, same picture: a frame redraws only the panes whose screen or badges changed. */
function samePane(a: PaneProps, b: PaneProps): boolean {
  const x = a.p;
  const y = b.p;
  return (
    a.cols === b.cols &&
    a.rows === b.rows &&
    x.runtime === y.runtime &&
    x.screen === y.screen &&
    x.ticket === y.ticket &&
    x.unread === y.unread &&
    x.focused === y.focused &&
    (x.screen !== undefined || x.now === y.now)
  );
}

/** One agent's live screen in a bordered box of exactly `cols` x `rows`. */
export const Pane = React.memo(function Pane({ p, cols, rows }: PaneProps) {
  const inner = Math.max(1, cols - 2);
  const lines = Math.max(0, rows - 3);
  const painted = useContext(BodiesPainted);
  const screen = painted ? undefined : p.screen;
  // cropping is the costly part of a frame: redo it only when this pane's screen or size changed
  const body = useMemo(() => (screen ? cropScreen(screen.ansi, { srcCols: screen.cols, width: inner, height: lines }) : []), [screen, inner, lines]);
  return (
    <Box
      width={cols}
      height={rows}
      flexDirection="column"
      borderStyle={p.focused ? "double" : "single"}
      borderColor={p.focused ? "cyan" : "gray"}
      overflowY="hidden"
    >
      <PaneTitle p={p} width={inner} />
      {painted && p.screen ? null : screen ? (
        body.map((line, i) => (
          <Text key={i} wrap="truncate-end">
            {line}
          </Text>
        ))
      ) : (
        <Text dimColor>{p.runtime.state === "exited" || p.runtime.state === "lost" ? `ended ${ago(p.runtime.exited_at, p.now)}` : "(loading screen…)"}</Text>
      )}
    </Box>
  );
}, samePane);
