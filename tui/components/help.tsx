import React from "react";
import { Box, Text } from "ink";
import { helpFor, keyLabel } from "../keys/keymap.js";
import { helpLayout } from "../state/help-layout.js";
import type { TuiState } from "../state/types.js";

/** `?`: the keys that work here, generated from the keymap (most specific context first), in pages when they do not fit. */
export function Help({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const rows = helpFor(state);
  const l = helpLayout(rows.length, width, height);
  const offset = Math.min(state.ui.helpScroll, l.maxOffset);
  const shown = rows.slice(offset, offset + l.columns * l.perColumn);
  const colWidth = Math.floor((width - 2) / l.columns);
  const below = rows.length - offset - shown.length;
  return (
    <Box flexDirection="column" borderStyle="double" width={width} height={height} overflowY="hidden">
      <Text bold>Keys (Esc or ? closes)</Text>
      <Box>
        {Array.from({ length: l.columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={colWidth}>
            {shown.slice(c * l.perColumn, (c + 1) * l.perColumn).map((b) => (
              <Text key={b.context + b.keys.join()} wrap="truncate-end">
                <Text color="yellow">{b.keys.map(keyLabel).join(" ").padEnd(12)}</Text> {b.description}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
      {l.paged ? (
        <Text dimColor wrap="truncate-end">
          {offset > 0 ? `↑ ${offset} above · ` : ""}
          {below > 0 ? `↓ ${below} more · ` : ""}j/k, PgUp/PgDn scroll
        </Text>
      ) : null}
    </Box>
  );
}
