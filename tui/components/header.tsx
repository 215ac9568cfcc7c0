import React from "react";
import { Box, Text } from "ink";
import type { TuiState } from "../state/reducer.js";

export function Header({ state }: { state: TuiState }) {
  const d = state.daemon;
  const badge =
    state.connection === "connected" ? (
      <Text color="green">● connected</Text>
    ) : state.connection === "connecting" ? (
      <Text color="yellow">● connecting</Text>
    ) : (
      <Text color="red">● disconnected</Text>
    );
  return (
    <Box borderStyle="round" paddingX={1} justifyContent="space-between">
      <Text bold>swarm</Text>
      {badge}
      <Text dimColor>{d ? `swarmd ${d.version} pid ${d.pid}` : "no daemon"}</Text>
      <Text dimColor>? help · q quit</Text>
    </Box>
  );
}
