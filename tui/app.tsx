import React from "react";
import { render, Text, Box } from "ink";

export async function runTui(_args: string[]): Promise<number> {
  const app = render(
    <Box flexDirection="column">
      <Text>swarm TUI — being built</Text>
    </Box>,
  );
  app.unmount();
  return 0;
}
