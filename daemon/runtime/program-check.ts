import { INSTALL_HINTS, findOnPath } from "../../protocol/agent-clis.js";
import { SwarmError } from "../../protocol/errors.js";

export { INSTALL_HINTS, findOnPath };

/**
 * Refuses to start a program that is not there: without this the runtime "starts" and dies
 * at once with 127, and the user learns it from a later `runtime show`. Only bare names are
 * looked up (a path is the program's own business, reported by its exit).
 */
export function assertOnPath(argv0: string, pathVar: string, runtime: string): void {
  if (argv0.includes("/") || findOnPath(argv0, pathVar)) return;
  const install = INSTALL_HINTS[argv0];
  throw new SwarmError("NOT_FOUND", `cannot start runtime ${runtime}: program ${argv0} is not installed (not found on the daemon's PATH)`, {
    hint: install
      ? `install it with \`${install}\`, then start the runtime again (or give its full path after --)`
      : `install ${argv0}, or give its full path after -- (PATH searched: ${pathVar || "(empty)"})`,
    details: { program: argv0, path: pathVar },
  });
}
