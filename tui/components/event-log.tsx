import React from "react";
import { Box, Text } from "ink";
import type { EventRecord } from "../../protocol/events.js";

export function EventLog({ events, height }: { events: EventRecord[]; height: number }) {
  const shown = events.slice(-Math.max(1, height));
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1} flexGrow={1}>
      <Text bold>Events</Text>
      {shown.length === 0 ? <Text dimColor>(no events yet)</Text> : null}
      {shown.map((e) => (
        <Text key={e.id} wrap="truncate-end">
          <Text dimColor>
            {String(e.id).padStart(5)} {e.ts.slice(11, 19)}{" "}
          </Text>
          <Text color="cyan">{e.type}</Text>
          {e.subject ? <Text> {e.subject}</Text> : null}
          {Object.keys(e.data).length ? <Text dimColor> {JSON.stringify(e.data)}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
