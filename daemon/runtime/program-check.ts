import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";

/** How to install each agent CLI swarm has an adapter for, by the program's name. */
export const INSTALL_HINTS: Record<string, string> = {
  claude: "npm install -g @anthropic-ai/claude-code",
  codex: "npm install -g @openai/codex",
  gemini: "npm install -g @google/gemini-cli",
  aider: "pipx install aider-chat",
};

/** Where `program` (a bare name) resolves on `pathVar`, as exec would find it; null when nowhere. */
export function findOnPath(program: string, pathVar: string): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

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
