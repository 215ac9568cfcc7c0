import { parseArgs } from "node:util";
import React from "react";
import { Box, render, Text, useApp, useInput, useStdout } from "ink";
import { resolvePaths, type SwarmPaths } from "../protocol/paths.js";
import { EventLog } from "./components/event-log.js";
import { Header } from "./components/header.js";
import { Help } from "./components/help.js";
import { useDaemon } from "./hooks/use-daemon.js";
import { actionFor } from "./keys/keymap.js";

function App({ paths }: { paths: SwarmPaths }) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const { state, dispatch } = useDaemon(paths);
  useInput((input) => {
    const action = actionFor(input);
    if (action === "quit") exit();
    else if (action === "help") dispatch({ type: "toggleHelp" });
  });
  const rows = stdout.rows ?? 24;
  return (
    <Box flexDirection="column" height={rows}>
      <Header state={state} />
      {state.error ? <Text color="red">{state.error}</Text> : null}
      {state.showHelp ? <Help /> : null}
      <EventLog events={state.events} height={rows - 8} />
    </Box>
  );
}

/** `swarm [tui] [-h|--help]`; anything else is a usage error naming it. */
function parseTuiArgs(args: string[]): { help: boolean } | { error: string } {
  try {
    const { values, positionals } = parseArgs({ args, options: { help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    const extra = positionals.filter((a) => a !== "tui");
    return extra.length ? { error: `unknown argument ${extra[0]}` } : { help: values.help === true };
  } catch (err) {
    return { error: (err as Error).message.split("\n")[0]! };
  }
}

export async function runTui(args: string[]): Promise<number> {
  const parsed = parseTuiArgs(args);
  if ("error" in parsed) {
    process.stderr.write(`swarm: ${parsed.error}\nusage: swarm [tui]\n`);
    return 64;
  }
  if (parsed.help) {
    process.stdout.write("usage: swarm [tui]\n\nFull-screen terminal UI attached to swarmd (started if needed). Keys: ? help, q quit.\n");
    return 0;
  }
  if (!process.stdin.isTTY) {
    process.stderr.write("swarm: the TUI needs a terminal; use swarmctl for scripts\n");
    return 2;
  }
  // Full screen: the alternate screen keeps the user's scrollback intact.
  process.stdout.write("\x1b[?1049h\x1b[H");
  try {
    const app = render(<App paths={resolvePaths()} />, { exitOnCtrlC: true });
    await app.waitUntilExit();
  } finally {
    process.stdout.write("\x1b[?1049l");
  }
  return 0;
}
