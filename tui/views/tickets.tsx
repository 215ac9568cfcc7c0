import React from "react";
import { Box, Text } from "ink";
import { fit, ticketColor } from "../components/badges.js";
import { blocksOf, board, selectedTicket } from "../state/select.js";
import type { Ticket, TuiState } from "../state/types.js";

interface Props {
  state: TuiState;
  width: number;
  height: number;
}

const COL_MIN = 18;

function TicketCard({ t, width, selected, all }: { t: Ticket; width: number; selected: boolean; all: Ticket[] }) {
  const waiting = t.depends_on.filter((d) => all.find((x) => x.id === d)?.state !== "done");
  const deps = waiting.length ? ` ⧗${waiting.join(",")}` : "";
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {fit(`${t.id} ${t.title}${deps}`, width)}
    </Text>
  );
}

function TicketDetails({ t, state, width, height }: { t: Ticket; state: TuiState; width: number; height: number }) {
  const all = state.data.tickets;
  const depState = (id: string) => `${id} (${all.find((x) => x.id === id)?.state ?? "?"})`;
  const bundle = state.data.bundle?.ticket === t.id ? state.data.bundle : null;
  const waiting = state.data.waiting?.ticket === t.id ? state.data.waiting : null;
  const lines = [
    `${t.id}  ${t.title}`,
    `state ${t.state}${t.state_reason ? ` (${t.state_reason})` : ""} · priority ${t.priority} · workspace ${t.workspace} · attempts ${t.attempts}${t.max_attempts ? `/${t.max_attempts}` : ""}`,
    `labels: ${t.labels.join(", ") || "-"}  agent: ${t.agent_kind ?? "-"}  lease: ${t.lease_owner ?? "-"}${t.requires_approval ? "  needs approval" : ""}`,
    ...(waiting?.text ? [`waiting: ${waiting.text}`] : []),
    `blocked by: ${t.depends_on.map(depState).join(", ") || "-"}`,
    `blocks: ${blocksOf(all, t.id).map(depState).join(", ") || "-"}`,
    `bundle: ${bundle ? bundle.text : t.state === "done" || t.state === "review" ? "checking…" : "-"}`,
    `result: ${t.result === null || t.result === undefined ? "-" : JSON.stringify(t.result)}`,
    ...t.body.split("\n"),
  ];
  const shown = lines.slice(state.ui.scroll, state.ui.scroll + height - 2);
  return (
    <Box flexDirection="column" borderStyle="single" width={width} height={height} overflowY="hidden">
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate-end" color={i === 0 && state.ui.scroll === 0 ? "cyan" : l.startsWith("bundle: REJECTED") ? "red" : undefined}>
          {l || " "}
        </Text>
      ))}
    </Box>
  );
}

/** Tickets board: one column per state, the selected column always on screen; Enter shows the ticket. */
export function TicketsView({ state, width, height }: Props) {
  const cols = board(state);
  const sel = selectedTicket(state);
  const detail = state.ui.detail && sel;
  const boardHeight = detail ? Math.max(4, Math.floor(height / 2)) : height;
  const fitCols = Math.max(1, Math.floor(width / COL_MIN));
  const first = Math.max(0, Math.min(state.ui.column - Math.floor(fitCols / 2), cols.length - fitCols));
  const shown = cols.slice(first, first + fitCols);
  const colWidth = Math.floor(width / shown.length);
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Box height={boardHeight} overflowY="hidden">
        {shown.map((c, i) => {
          const active = first + i === state.ui.column;
          const cursor = Math.min(state.ui.cursor.tickets, c.tickets.length - 1);
          const start = Math.max(0, cursor - (boardHeight - 4));
          return (
            <Box
              key={c.state}
              width={colWidth}
              height={boardHeight}
              flexDirection="column"
              borderStyle={active ? "double" : "single"}
              borderColor={ticketColor(c.state)}
            >
              <Text bold color={ticketColor(c.state)} wrap="truncate-end">
                {c.state} {c.tickets.length}
              </Text>
              {c.tickets.slice(start, start + boardHeight - 3).map((t, j) => (
                <TicketCard key={t.id} t={t} width={colWidth - 2} selected={active && start + j === cursor} all={state.data.tickets} />
              ))}
            </Box>
          );
        })}
      </Box>
      {detail ? <TicketDetails t={sel} state={state} width={width} height={height - boardHeight} /> : null}
      {state.ui.filter.tickets ? <Text dimColor>filter: {state.ui.filter.tickets}</Text> : null}
    </Box>
  );
}
