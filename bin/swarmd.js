#!/usr/bin/env node
import { main } from "../dist/daemon/main.js";
import { EXIT } from "../dist/protocol/exit-codes.js";
main(process.argv).catch((err) => {
  // the same status as daemon/main.ts's startFailed
  process.stderr.write(`swarmd: failed to start: ${err?.stack ?? err}\n`);
  process.exit(EXIT.failed);
});
