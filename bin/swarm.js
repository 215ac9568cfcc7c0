#!/usr/bin/env node
import { main } from "../dist/tui/main.js";
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`swarm: ${err?.stack ?? err}\n`);
    process.exitCode = 10;
  },
);
