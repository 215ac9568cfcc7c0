import React from "react";
import { Box, Text } from "ink";
import { KEYMAP } from "../keys/keymap.js";

export function Help() {
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1}>
      <Text bold>Keys</Text>
      {KEYMAP.map((k) => (
        <Text key={k.key}>
          <Text color="yellow">{k.key.padEnd(4)}</Text> {k.description}
        </Text>
      ))}
    </Box>
  );
}
