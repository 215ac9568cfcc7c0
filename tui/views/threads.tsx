import React from "react";
import { Box, Text } from "ink";
import { ago, fit } from "../components/badges.js";
import { selectedThread, threadList } from "../state/select.js";
import type { Message, TuiState } from "../state/types.js";

interface Props {
  state: TuiState;
  width: number;
  height: number;
  now: number;
}

const KIND_COLOR: Record<string, string> = { finding: "red", status: "cyan", system: "gray", message: "white" };

function Messages({ list, state, width, height }: { list: Message[]; state: TuiState; width: number; height: number }) {
  const rows = list.flatMap((m) => [
    { key: `${m.seq}h`, text: `#${m.seq} ${m.author} · ${m.kind}${m.progress ? " · progress" : ""}`, color: KIND_COLOR[m.kind] ?? "white", bold: true },
    ...m.body.split("\n").map((l, i) => ({ key: `${m.seq}.${i}`, text: "  " + l, color: undefined, bold: false })),
  ]);
  // newest at the bottom; scrolling moves back in time
  const end = Math.max(0, rows.length - state.ui.scroll);
  const shown = rows.slice(Math.max(0, end - (height - 2)), end);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" overflowY="hidden">
      {shown.length === 0 ? <Text dimColor>(no messages)</Text> : null}
      {shown.map((r) => (
        <Text key={r.key} wrap="truncate-end" color={r.color} bold={r.bold}>
          {r.text || " "}
        </Text>
      ))}
    </Box>
  );
}

/** Threads: unread counts and status (blocked/escalated marked); Enter shows the messages; m posts as the operator. */
export function ThreadsView({ state, width, height, now }: Props) {
  if (state.conn.missing.includes("threads")) return <Text color="yellow">Threads are not available from this daemon (no thread.* methods).</Text>;
  const list = threadList(state);
  const sel = selectedThread(state);
  const cursor = Math.min(state.ui.cursor.threads, list.length - 1);
  const msgs = state.ui.detail && sel && state.data.messages?.thread === sel.id ? state.data.messages.list : null;
  const listRows = msgs ? Math.min(list.length, Math.max(2, Math.floor(height / 4))) : height;
  const start = Math.max(0, cursor - listRows + 1);
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      {list.length === 0 ? <Text dimColor>No threads.</Text> : null}
      {list.slice(start, start + listRows).map((t, i) => {
        const mark = t.escalation ? "ESCALATED" : t.status === "blocked" ? "BLOCKED" : "";
        return (
          <Text key={t.id} wrap="truncate-end" inverse={start + i === cursor}>
            {t.id.padEnd(6)} <Text color={t.status === "blocked" || t.status === "disputed" ? "red" : "green"}>{t.status.padEnd(9)}</Text>
            <Text color="red" bold>
              {mark.padEnd(10)}
            </Text>
            {t.unread ? <Text color="yellow">✉ {String(t.unread).padEnd(3)}</Text> : "     "} {fit(t.title, width - 60)}{" "}
            <Text dimColor>
              {t.ticket_id ?? ""} {t.participants.map((p) => p.agent_id).join(",")} {ago(t.updated_at, now)}
            </Text>
          </Text>
        );
      })}
      {msgs ? <Messages list={msgs} state={state} width={width} height={height - listRows} /> : null}
    </Box>
  );
}
