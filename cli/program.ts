import { Command, Option } from "commander";
import { SWARM_VERSION } from "../protocol/version.js";
import { GROUPS } from "./groups.js";

export { CommanderError } from "commander";

/** What swarmctl controls, each area named with its command; an area whose group is not built yet is left out. */
const AREAS: [group: string, area: string][] = [
  ["env", "environments"],
  ["runtime", "agents in PTYs"],
  ["ticket", "tickets"],
  ["thread", "threads"],
];

function programDescription(): string {
  return `Control the swarm daemon: ${AREAS.filter(([g]) => g in GROUPS)
    .map(([g, area]) => `${area} (${g})`)
    .join(", ")}.`;
}

/** The commander program with the global options; command groups register on it. Loaded only off the fast path (cli/fast.ts). */
export function buildProgram(json: boolean): Command {
  const program = new Command("swarmctl")
    .description(programDescription())
    .version(SWARM_VERSION, "-V, --version", "print the swarmctl version")
    .addOption(new Option("--json", "machine-readable output on stdout"))
    .addOption(new Option("--no-autostart", "fail instead of starting swarmd when it is not running"))
    .addOption(new Option("--timeout <duration>", "deadline for each call to swarmd, e.g. 10s or 5m (default: 30s for quick calls, 1h for long operations)"))
    .exitOverride();
  if (json) {
    // subcommands inherit this output configuration when they are created
    program.configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s) => {
        const message = s.trim().replace(/^error: /, "");
        process.stderr.write(JSON.stringify({ error: { kind: "USAGE", message, hint: "run with --help for usage" } }) + "\n");
      },
    });
  } else {
    program.showHelpAfterError("(run with --help for usage)");
    program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  }
  return program;
}
