import type { HostCommand, PtyOptions, SharedPath } from "../../providers/types.js";

/**
 * What the runtime domain needs from environments: the host command that runs a program
 * inside one, in a PTY (forwarding its variables and secrets, counting as activity). An
 * EnvService satisfies it as it is; the daemon's assembly passes it in.
 */
export interface RuntimeEnvAccess {
  /** Resolves `argv` (run in `cwd` inside environment `name`) to a host command; refuses an unknown or stopped environment. */
  ptyCommand(name: string, argv: string[], cwd?: string, more?: Omit<PtyOptions, "cwd">): Promise<HostCommand>;
}

/** The value of every secret (docs/secrets.md): masked in runtimes' output. Built by the daemon's assembly from the vault. */
export type SecretValues = () => string[];

/**
 * How agents the daemon starts get the `swarmctl mcp` bridge (issue 10): extra argv after
 * the agent CLI's own and variables for it (the token travels in variables and 0600 files,
 * never in argv), and the host paths the bridge needs inside an environment (`share`).
 * `env`: the environment the runtime runs in, whose provider may pass variables on a
 * command line (then the token goes in a file); with `vars` it decides the token's
 * workspace. Null for kinds that get no bridge. Built by the daemon's assembly.
 */
export type RuntimeBridge = (r: {
  name: string;
  /** who it is in threads, when not its name (runtime.start agent_id) */
  agentId?: string | undefined;
  agent: string;
  env: string | undefined;
  vars: Record<string, string> | undefined;
}) => { args: string[]; env: Record<string, string>; share: SharedPath[]; mcp: boolean } | null;
