import React from "react";
import { Box, Text } from "ink";
import { eventList } from "../state/select.js";
import type { TuiState } from "../state/types.js";

/** Live event log: follows the newest unless a row is selected; `/` filters (type:X subject:Y text). */
export function EventsView({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const list = eventList(state);
  const rows = height - 1;
  const cursor = state.ui.follow ? list.length - 1 : Math.min(state.ui.cursor.events, list.length - 1);
  const start = Math.max(0, Math.min(cursor - rows + 1, list.length - rows));
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text dimColor wrap="truncate-end">
        {list.length} event(s){state.ui.filter.events ? ` matching "${state.ui.filter.events}"` : ""} ·{" "}
        {state.ui.follow ? "following (f to stop)" : "paused (f to follow)"}
      </Text>
      {list.slice(start, start + rows).map((e, i) => (
        <Text key={e.id} wrap="truncate-end" inverse={!state.ui.follow && start + i === cursor}>
          <Text dimColor>
            {String(e.id).padStart(6)} {e.ts.slice(11, 19)}{" "}
          </Text>
          <Text color="cyan">{e.type}</Text>
          {e.subject ? <Text> {e.subject}</Text> : null}
          {Object.keys(e.data).length ? <Text dimColor> {JSON.stringify(e.data).slice(0, width)}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
