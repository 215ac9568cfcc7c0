import React from "react";
import { Box, Text } from "ink";
import { helpFor, keyLabel } from "../keys/keymap.js";
import type { TuiState } from "../state/types.js";

/** `?`: the keys that work here, generated from the keymap (most specific context first). */
export function Help({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const rows = helpFor(state);
  const perCol = Math.max(1, height - 3);
  const cols = Math.ceil(rows.length / perCol);
  const colWidth = Math.floor((width - 2) / Math.max(1, cols));
  return (
    <Box flexDirection="column" borderStyle="double" width={width} height={height} overflowY="hidden">
      <Text bold>Keys (Esc or ? closes)</Text>
      <Box>
        {Array.from({ length: cols }, (_, c) => (
          <Box key={c} flexDirection="column" width={colWidth}>
            {rows.slice(c * perCol, (c + 1) * perCol).map((b) => (
              <Text key={b.context + b.keys.join()} wrap="truncate-end">
                <Text color="yellow">{b.keys.map(keyLabel).join(" ").padEnd(12)}</Text> {b.description}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
