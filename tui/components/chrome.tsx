import React from "react";
import { Box, Text } from "ink";
import { needsYou } from "../state/select.js";
import { VIEWS, VIEW_TITLES, type TuiState } from "../state/types.js";
import { fit } from "./badges.js";

/** Top line: who we talk to and how the link is. */
export function Header({ state, width }: { state: TuiState; width: number }) {
  const c = state.conn;
  const d = c.daemon;
  const badge =
    c.status === "connected" ? (
      <Text color="green">● connected</Text>
    ) : c.status === "connecting" ? (
      <Text color="yellow">● connecting</Text>
    ) : (
      <Text color="red">● disconnected</Text>
    );
  const live = state.data.runtimes.filter((r) => r.state !== "exited" && r.state !== "lost").length;
  return (
    <Box width={width} height={1} justifyContent="space-between">
      <Text>
        <Text bold color="cyan">
          swarm
        </Text>{" "}
        {badge}
        <Text dimColor>{d ? ` swarmd ${d.version} pid ${d.pid}` : " no daemon yet"}</Text>
      </Text>
      <Text dimColor>{live} agents · ? help · q quit</Text>
    </Box>
  );
}

/** The view tabs with their number keys. */
export function Tabs({ state, width }: { state: TuiState; width: number }) {
  const counts: Partial<Record<string, number>> = {
    approvals: state.data.approvals.filter((a) => a.state === "pending").length,
    threads: state.data.threads.reduce((n, t) => n + t.unread, 0),
  };
  return (
    <Box width={width} height={1} overflowY="hidden">
      <Text wrap="truncate-end">
        {VIEWS.map((v, i) => {
          const n = counts[v];
          const label = ` ${i + 1} ${VIEW_TITLES[v]}${n ? ` (${n})` : ""} `;
          return v === state.ui.view ? (
            <Text key={v} inverse bold>
              {label}
            </Text>
          ) : (
            <Text key={v}>{label}</Text>
          );
        })}
      </Text>
    </Box>
  );
}

/** Always on screen: what waits on the person, and the key that goes there. */
export function NeedsYouBar({ state, width }: { state: TuiState; width: number }) {
  const items = needsYou(state);
  if (items.length === 0)
    return (
      <Box width={width} height={1}>
        <Text dimColor>needs you: nothing</Text>
      </Box>
    );
  const text = items.map((n) => n.label).join(" · ");
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        <Text backgroundColor="yellow" color="black" bold>
          {` NEEDS YOU ${items.length} `}
        </Text>
        <Text color="yellow"> {fit(text, width - 24)}</Text>
        <Text dimColor> (n: next)</Text>
      </Text>
    </Box>
  );
}

/** Bottom line: the open prompt or question, else the last message, else the connection error. */
export function StatusLine({ state, width }: { state: TuiState; width: number }) {
  const m = state.ui.modal;
  if (m?.kind === "prompt")
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-start">
          <Text color="cyan" bold>
            {m.label}:{" "}
          </Text>
          {m.value}
          <Text inverse> </Text>
          <Text dimColor> (Enter ok · Esc cancel)</Text>
        </Text>
      </Box>
    );
  if (m?.kind === "confirm")
    return (
      <Box width={width} height={1}>
        <Text color="yellow" bold>
          {fit(m.text, width - 7)} (y/n)
        </Text>
      </Box>
    );
  const f = state.ui.flash;
  const err = state.conn.status !== "connected" ? state.conn.error : null;
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end" color={f?.tone === "error" || (!f && err) ? "red" : "green"}>
        {f ? f.text : (err ?? "")}
      </Text>
    </Box>
  );
}
