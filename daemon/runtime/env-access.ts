import type { HostCommand } from "../../providers/types.js";

/**
 * What the runtime domain needs from environments: the host command that runs a program
 * inside one, in a PTY (forwarding its variables and secrets, counting as activity). An
 * EnvService satisfies it as it is; the daemon's assembly passes it in.
 */
export interface RuntimeEnvAccess {
  /** Resolves `argv` (run in `cwd` inside environment `name`) to a host command; refuses an unknown or stopped environment. */
  ptyCommand(name: string, argv: string[], cwd?: string): Promise<HostCommand>;
}

/**
 * How agents the daemon starts get the `swarmctl mcp` bridge (issue 10): extra argv after
 * the agent CLI's own and variables for it (the token travels in variables and 0600 files,
 * never in argv). Null for kinds that get no bridge. Built by the daemon's assembly.
 */
/** The value of every secret (docs/secrets.md): masked in runtimes' output. Built by the daemon's assembly from the vault. */
export type SecretValues = () => string[];

export type RuntimeBridge = (r: { name: string; agent: string }) => { args: string[]; env: Record<string, string> } | null;
