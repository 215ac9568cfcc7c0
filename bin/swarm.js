#!/usr/bin/env node
import { main } from "../dist/tui/main.js";
import { ERROR_KINDS } from "../dist/protocol/errors.js";

// Subcommands of `swarm` other than the TUI are dispatched here, before the TUI's own
// arguments are parsed (e.g. `swarm demo`, which opens the TUI itself via runTui()).
const entry = main;

entry(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() maps every error it knows to its exit code; reaching here is a bug
    process.stderr.write(`swarm: ${err?.stack ?? err}\n`);
    process.exitCode = ERROR_KINDS.INTERNAL.exitCode;
  },
);
