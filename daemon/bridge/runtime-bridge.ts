import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DaemonContext } from "../context.js";
import type { TokenStore } from "../identity/tokens.js";
import type { RuntimeBridge } from "../runtime/env-access.js";
import { bridgeWiring } from "./wiring.js";

/** bin/swarmctl.js of this installation (this file runs as dist/daemon/bridge/runtime-bridge.js). */
const SWARMCTL = fileURLToPath(new URL("../../../bin/swarmctl.js", import.meta.url));

/**
 * Agents the daemon starts get the bridge with no setup: a participant token for the
 * runtime's name (its agent_id), minted at start and refreshed by the bridge before it
 * expires, wired per CLI by bridgeWiring (files 0600 under the data dir, never argv).
 */
export function runtimeBridge(ctx: DaemonContext, tokens: TokenStore): RuntimeBridge {
  return ({ name, agent }) => {
    if (agent !== "claude" && agent !== "codex" && agent !== "gemini" && agent !== "scripted") return null;
    const claims = { agent_id: name, workspace_id: "default", role: "participant" as const, session_id: name, ttl_ms: ctx.cfg().threads.token_ttl_ms };
    const { token } = tokens.mint(claims, "daemon");
    return bridgeWiring({
      kind: agent,
      token,
      home: ctx.paths.home,
      runDir: ctx.paths.runDir,
      dir: path.join(ctx.paths.dataDir, "bridge", name),
      node: process.execPath,
      swarmctl: SWARMCTL,
    });
  };
}
