#!/usr/bin/env node
import { main } from "../dist/daemon/main.js";
main(process.argv).catch((err) => {
  process.stderr.write(`swarmd: failed to start: ${err?.stack ?? err}\n`);
  process.exit(1);
});
