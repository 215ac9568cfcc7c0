import fs from "node:fs";
import path from "node:path";

/** The env vars `swarmctl mcp` reads its agent token from (cli/mcp/server.ts). */
const TOKEN_ENV = "SWARM_AGENT_TOKEN";
const TOKEN_FILE_ENV = "SWARM_AGENT_TOKEN_FILE";
/** Claude Code's permission rule for every tool of the `swarm` MCP server. */
export const CLAUDE_ALLOW = "mcp__swarm";

export interface BridgeTarget {
  /** Agent CLI kind (claude, codex, gemini…); other kinds get no wiring. */
  kind: string;
  /** The agent's token (agent.token_mint); goes into the MCP server's environment only. */
  token: string;
  /** SWARM_HOME the bridge must talk to. */
  home: string;
  /** The daemon's run directory (its socket), when SWARM_HOME alone would not find it (XDG_RUNTIME_DIR). */
  runDir?: string;
  /**
   * Codex only: hand the token over in a 0600 file (SWARM_AGENT_TOKEN_FILE) instead of the
   * agent's environment: inside an environment whose provider puts variables on its own
   * command line (the sandbox's bwrap), a variable is not private.
   */
  tokenInFile?: boolean;
  /** A private folder for this runtime's config files (created 0700). */
  dir: string;
  /** How to run the bridge: node and bin/swarmctl.js of this installation. */
  node: string;
  swarmctl: string;
}

/** What to add to the agent's start: argv after the CLI's own, env vars for the agent process, files written. */
export interface BridgeWiring {
  args: string[];
  env: Record<string, string>;
  files: string[];
  /** the agent CLI runs `swarmctl mcp` itself, which says bridge.hello once it answered the CLI's first tools/list */
  mcp: boolean;
}

function writePrivate(dir: string, name: string, value: unknown): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
  return file;
}

function server(t: BridgeTarget, token: Record<string, string>): { command: string; args: string[]; env: Record<string, string> } {
  const env = { ...token, SWARM_HOME: t.home, ...(t.runDir ? { SWARM_RUNTIME_DIR: t.runDir } : {}) };
  return { command: t.node, args: [t.swarmctl, "--no-autostart", "mcp"], env };
}

/**
 * How an agent CLI the daemon starts gets the `swarmctl mcp` bridge with its token, never on
 * a command line (argv is public in `ps` and recorded by runtimes):
 * - claude: a 0600 `--mcp-config FILE` whose server entry carries the token in its env;
 * - codex: `-c mcp_servers.swarm.*` overrides naming the command, and `env_vars` forwarding
 *   the token from the agent's own environment (Codex has no config-file flag);
 * - gemini: a 0600 settings file with a trusted `mcpServers` entry, named by
 *   GEMINI_CLI_SYSTEM_SETTINGS_PATH (checked against the real Gemini CLI 0.61).
 * The bridge is started with --no-autostart: it must reach this daemon, not start another.
 */
export function bridgeWiring(t: BridgeTarget): BridgeWiring | null {
  const s = server(t, { [TOKEN_ENV]: t.token });
  switch (t.kind) {
    case "claude": {
      const file = writePrivate(t.dir, "mcp.json", { mcpServers: { swarm: { type: "stdio", ...s } } });
      // the swarm tools are allowed up front: an approval prompt would hold every post until a person answers it
      return { args: ["--mcp-config", file, "--allowedTools", CLAUDE_ALLOW], env: {}, files: [file], mcp: true };
    }
    case "codex": {
      if (t.tokenInFile) Object.assign(s, server(t, { [TOKEN_FILE_ENV]: writePrivate(t.dir, "token", t.token) }));
      const set = (key: string, v: unknown) => ["-c", `mcp_servers.swarm.${key}=${JSON.stringify(v)}`];
      const args = [...set("command", s.command), ...set("args", s.args), ...set("env_vars", Object.keys(s.env))];
      // the swarm tools run without a per-call approval prompt (which would hold every post), and
      // a loaded host gets time to start node before Codex gives up on the server
      args.push(...set("default_tools_approval_mode", "approve"), ...set("startup_timeout_sec", 30));
      return { args, env: s.env, files: [], mcp: true };
    }
    case "gemini": {
      // trust: the swarm tools run without "Allow execution of MCP tool …?" per call (Gemini CLI's
      // policy then allows mcp_swarm_*), which would hold every post until a person answers
      const file = writePrivate(t.dir, "gemini-settings.json", { mcpServers: { swarm: { ...s, trust: true } } });
      return { args: [], env: { GEMINI_CLI_SYSTEM_SETTINGS_PATH: file }, files: [file], mcp: true };
    }
    case "scripted":
      // swarm's own scripted agent posts through the daemon itself (agents/scripted/thread.ts): it needs the token and the socket
      return { args: [], env: s.env, files: [], mcp: false };
    default:
      return null;
  }
}
