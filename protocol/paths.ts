import os from "node:os";
import path from "node:path";

/**
 * Where everything lives. `SWARM_HOME` relocates all of it (database, config, logs, and the
 * socket when XDG_RUNTIME_DIR is unset) so tests and users can run isolated instances.
 */
export interface SwarmPaths {
  home: string;
  configFile: string;
  dataDir: string;
  database: string;
  logDir: string;
  logFile: string;
  runDir: string;
  socket: string;
  lockFile: string;
}

/** 32-bit FNV-1a as 8 hex digits: a short stable tag, no crypto module to load. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): SwarmPaths {
  const swarmHome = env.SWARM_HOME ? path.resolve(env.SWARM_HOME) : undefined;
  const userHome = env.HOME || os.homedir();
  const configDir = swarmHome ?? path.join(env.XDG_CONFIG_HOME || path.join(userHome, ".config"), "swarm");
  const dataDir = swarmHome ?? path.join(env.XDG_DATA_HOME || path.join(userHome, ".local", "share"), "swarm");
  const home = swarmHome ?? dataDir;
  let runDir: string;
  if (env.SWARM_RUNTIME_DIR) runDir = path.resolve(env.SWARM_RUNTIME_DIR);
  else if (env.XDG_RUNTIME_DIR) {
    // Two instances with different SWARM_HOME must not share a socket.
    const suffix = swarmHome ? "-" + fnv1a(swarmHome) : "";
    runDir = path.join(env.XDG_RUNTIME_DIR, "swarm" + suffix);
  } else if (swarmHome) runDir = path.join(swarmHome, "run");
  else runDir = path.join(os.tmpdir(), `swarm-${process.getuid?.() ?? "user"}`);
  const logDir = path.join(dataDir, "logs");
  return {
    home,
    configFile: path.join(configDir, "config.json"),
    dataDir,
    database: path.join(dataDir, "swarm.db"),
    logDir,
    logFile: path.join(logDir, "swarmd.log"),
    runDir,
    socket: path.join(runDir, "swarmd.sock"),
    lockFile: path.join(runDir, "swarmd.lock"),
  };
}
