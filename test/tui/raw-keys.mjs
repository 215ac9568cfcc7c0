#!/usr/bin/env node
// raw-keys LOGFILE: a terminal program that appends every chunk it reads, as a JSON string
// per line, to LOGFILE, and echoes what it got. Shows exactly which bytes reached the PTY.
import fs from "node:fs";

const log = process.argv[2];
if (!log) {
  process.stderr.write("usage: raw-keys LOGFILE\n");
  process.exit(2);
}
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdout.write("raw-keys ready\r\n");
process.stdin.on("data", (d) => {
  fs.appendFileSync(log, JSON.stringify(d.toString("latin1")) + "\n");
  process.stdout.write(`got ${JSON.stringify(d.toString("latin1"))}\r\n`);
});
process.on("SIGTERM", () => process.exit(143));
process.on("SIGHUP", () => process.exit(129));
