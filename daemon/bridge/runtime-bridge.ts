import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolvePaths } from "../../protocol/paths.js";
import type { DaemonContext } from "../context.js";
import type { TokenStore } from "../identity/tokens.js";
import type { RuntimeBridge } from "../runtime/env-access.js";
import { bridgeWiring } from "./wiring.js";
import { assertBridgeReaches, runtimeWorkspace, type BridgeSources } from "./workspace.js";

/** bin/swarmctl.js of this installation (this file runs as dist/daemon/bridge/runtime-bridge.js). */
const SWARMCTL = fileURLToPath(new URL("../../../bin/swarmctl.js", import.meta.url));
/** The installation itself (bin/, dist/, node_modules/), which the bridge runs from. */
const SWARM_ROOT = path.dirname(path.dirname(SWARMCTL));

/**
 * Agents the daemon starts get the bridge with no setup: a participant token for the
 * runtime's name (its agent_id; a wake's session beside a live runtime gets that runtime's) in the runtime's workspace (runtimeWorkspace), minted at start and refreshed by the bridge before it
 * expires, wired per CLI by bridgeWiring (files 0600 under the data dir, never argv).
 * Inside an environment the bridge needs its config folder, the daemon's socket and the
 * installation at the same paths: they are `share`d (a sandbox binds them; the rest of
 * swarm's state stays hidden there).
 */
export function runtimeBridge(ctx: DaemonContext, tokens: TokenStore, sources: BridgeSources): RuntimeBridge {
  return ({ name, agentId, agent, env, vars }) => {
    if (agent !== "claude" && agent !== "codex" && agent !== "gemini" && agent !== "scripted") return null;
    assertBridgeReaches({ agent, env }, sources);
    const workspace_id = runtimeWorkspace({ env, vars }, sources);
    // A session the wake resumes or spawns beside a live runtime (SWARM_WAKE_OF names it) reads and
    // acknowledges as the participant it wakes: its cursor is the one the wake waits on.
    const agent_id = vars?.SWARM_WAKE_OF || agentId || name;
    const claims = { agent_id, workspace_id, role: "participant" as const, session_id: name, ttl_ms: ctx.cfg().threads.token_ttl_ms };
    const { token } = tokens.mint(claims, "daemon");
    const dir = path.join(ctx.paths.dataDir, "bridge", name);
    // SWARM_HOME finds the socket unless the daemon's run dir came from elsewhere (XDG_RUNTIME_DIR, SWARM_RUNTIME_DIR)
    const runDir = resolvePaths({ SWARM_HOME: ctx.paths.home }).runDir === ctx.paths.runDir ? undefined : ctx.paths.runDir;
    const wiring = bridgeWiring({
      kind: agent,
      token,
      home: ctx.paths.home,
      ...(runDir ? { runDir } : {}),
      tokenInFile: env !== undefined,
      dir,
      node: process.execPath,
      swarmctl: SWARMCTL,
    });
    if (!wiring) return null;
    const share = [
      { path: dir, writable: false },
      { path: ctx.paths.socket, writable: true },
      { path: SWARM_ROOT, writable: false },
    ];
    return { ...wiring, share };
  };
}
