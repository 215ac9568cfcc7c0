#!/usr/bin/env node
import { ERROR_KINDS } from "../dist/protocol/errors.js";

/**
 * `swarm demo …` builds the demo (dist/cli/demo), then opens the TUI on it unless told not
 * to; anything else is the TUI. A TUI module with runTui({view}) opens on the agents view.
 */
async function run(argv) {
  const tui = () => import("../dist/tui/main.js");
  if (argv[2] === "demo") {
    const { demo } = await import("../dist/cli/demo/main.js");
    const r = await demo(argv.slice(3));
    if (!r.openTui) return r.code;
    const t = await tui();
    return typeof t.runTui === "function" ? t.runTui({ view: "agents" }) : t.main(argv.slice(0, 2));
  }
  return (await tui()).main(argv);
}

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() maps every error it knows to its exit code; reaching here is a bug
    process.stderr.write(`swarm: ${err?.stack ?? err}\n`);
    process.exitCode = ERROR_KINDS.INTERNAL.exitCode;
  },
);
