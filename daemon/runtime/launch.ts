import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { Logger } from "../log/logger.js";
import type { AgentKind } from "./adapters/types.js";
import type { Launch, StartParams } from "./backend.js";
import type { RuntimeBridge, RuntimeEnvAccess, SecretValues } from "./env-access.js";
import { withoutInherited } from "./inherited-env.js";
import { assertOnPath } from "./program-check.js";
import { redactionOf } from "./redaction.js";
import { freshSessionId, pinSession } from "./sessions.js";
import { agentStartCommand } from "./state-detector.js";

/** A start's launch, checked and wired: the command as recorded, the session id it pins, whether its CLI runs swarm's MCP bridge. */
export type PreparedLaunch = Launch & { command: string[]; sessionId: string | undefined; mcp: boolean };

/** What a launch is prepared with: the daemon's home (default cwd), environments, the bridge, secret values for redaction. */
export interface LaunchDeps {
  home: string;
  envs: RuntimeEnvAccess;
  bridge: RuntimeBridge;
  secretValues: SecretValues;
  logger: Logger;
}

/** The command, directory and variables a program starts with, checked before anything is spawned. */
export async function prepareLaunch(d: LaunchDeps, p: StartParams): Promise<PreparedLaunch> {
  let command = p.command;
  let sessionId = p.session_id;
  // started with the adapter's own command (no argv given): the agent itself, so the bridge wiring applies
  const ownStart = command.length === 0;
  if (command.length === 0) {
    sessionId = freshSessionId(p.agent as AgentKind, p.session_id);
    const argv = p.agent === "custom" ? null : agentStartCommand(p.agent as AgentKind, sessionId);
    if (!argv) {
      throw new SwarmError("INVALID_ARGUMENT", `no command given and agent ${p.agent} has no start command`, {
        hint: `swarmctl runtime start ${p.name} -- COMMAND [ARGS…]`,
      });
    }
    command = argv;
  } else {
    // the agent CLI itself: its session id is the one its argv names, or one we pin
    ({ command, sessionId } = pinSession(p.agent as AgentKind, command, p.session_id));
  }
  // On the host the program is exec'd with this PATH (see holder-spawn childEnv); inside an environment the provider finds it.
  // Checked before the bridge mints a token for a runtime that would never start.
  if (!p.env) assertOnPath(command[0]!, p.vars?.PATH ?? process.env.PATH ?? "", p.name);
  // Checked before the bridge mints a token for a runtime that would never start (an environment checks its own).
  const hostCwd = path.resolve(p.cwd ?? d.home);
  if (!p.env && (!fs.existsSync(hostCwd) || !fs.statSync(hostCwd).isDirectory())) {
    throw new SwarmError("INVALID_ARGUMENT", `working directory ${hostCwd} does not exist or is not a directory`, {
      hint: "pass an existing directory with --cwd",
    });
  }
  // the agent CLI itself (not a wrapper the user named) gets the thread bridge
  const wiring =
    ownStart || path.basename(command[0]!) === p.agent ? d.bridge({ name: p.name, agentId: p.agent_id, agent: p.agent, env: p.env, vars: p.vars }) : null;
  if (wiring) command = [...command, ...wiring.args];
  // inside an environment the bridge's variables and files, and the runtime's own variables
  // (SWARM_THREAD_ID…, kept off command lines), must reach the program there
  const run = withoutInherited(p.agent, command, p.vars);
  const inside = { ...(wiring ? { env: wiring.env, share: wiring.share } : {}), ...(p.vars ? { privateEnv: p.vars } : {}) };
  const host = p.env ? await d.envs.ptyCommand(p.env, run, p.cwd, inside) : null;
  const cwd = host ? host.cwd : hostCwd;
  const vars = { ...host?.env, ...wiring?.env, ...p.vars };
  return {
    command,
    cwd,
    argv: host ? [host.file, ...host.args] : run,
    vars,
    sessionId,
    redact: redactionOf(p, wiring?.env, d.secretValues, d.logger),
    mcp: wiring?.mcp ?? false,
  };
}
