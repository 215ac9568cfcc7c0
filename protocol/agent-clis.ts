import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The agent CLIs swarm has adapters for, in the order `swarmctl init` prefers them as the
 * default kind, with the command that installs each. One table for the daemon (a refused
 * `runtime start`), `init` and `doctor`.
 */
export const AGENT_CLIS = [
  { kind: "claude", program: "claude", install: "npm install -g @anthropic-ai/claude-code" },
  { kind: "codex", program: "codex", install: "npm install -g @openai/codex" },
  { kind: "gemini", program: "gemini", install: "npm install -g @google/gemini-cli" },
  { kind: "aider", program: "aider", install: "pipx install aider-chat" },
] as const;

export type AgentCliKind = (typeof AGENT_CLIS)[number]["kind"];

/** How to install each agent CLI, by the program's name. */
export const INSTALL_HINTS: Record<string, string> = Object.fromEntries(AGENT_CLIS.map((a) => [a.program, a.install]));

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

export interface FoundAgentCli {
  kind: AgentCliKind;
  program: string;
  /** where it is on PATH; null = not installed */
  path: string | null;
  /** the first line of `PROGRAM --version`; null when not found or it did not answer */
  version: string | null;
  install: string;
}

/** Looks each agent CLI up on `pathVar` and asks the ones found for their version (5 s each at most). */
export function detectAgentClis(pathVar: string, env: NodeJS.ProcessEnv = process.env): FoundAgentCli[] {
  return AGENT_CLIS.map((a) => {
    const file = findOnPath(a.program, pathVar);
    let version: string | null = null;
    if (file) {
      const r = spawnSync(file, ["--version"], { encoding: "utf8", timeout: 5000, env: { ...env, PATH: pathVar }, stdio: ["ignore", "pipe", "pipe"] });
      const line = `${r.stdout ?? ""}`.trim().split("\n")[0]?.trim();
      version = r.status === 0 && line ? line.slice(0, 120) : null;
    }
    return { kind: a.kind, program: a.program, path: file, version, install: a.install };
  });
}
