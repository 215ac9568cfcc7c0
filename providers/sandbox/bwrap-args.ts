import type { NetMode, SharedPath } from "../types.js";

export interface SandboxCommand {
  /** the environment's checkout on the host; bound writable at the same path inside */
  workDir: string;
  /** working directory inside (absolute, within workDir) */
  cwd: string;
  net: NetMode;
  /** host paths hidden behind an empty tmpfs (swarm's own state, other environments) */
  hide: string[];
  /** host paths bound read-only after hiding (the origin repo's objects, which clones borrow) */
  roBinds: string[];
  /** host paths bound at the same path after hiding (the thread bridge's files, the daemon's socket) */
  shares?: SharedPath[];
  /** for net = proxy: the host Unix socket of the allow-list proxy, bound into /tmp */
  proxySocket?: string;
  /** for net = proxy: swarm's package folder on the host (package.json + dist/), whose forwarder runs inside */
  swarmRoot?: string;
  /** an open file descriptor of bwrap's whose contents appear read-only at SANDBOX_VARS_FILE (the runtime's private variables) */
  varsFd?: number;
  /** false for PTYs: a new session would detach the shell from its terminal */
  newSession: boolean;
  env: Record<string, string>;
}

/** Where the proxy socket appears inside the sandbox (under the private /tmp). */
export const SANDBOX_PROXY_SOCKET = "/tmp/.swarm-proxy.sock";

/**
 * Where swarm's compiled helpers appear inside the sandbox. Bound to a fixed place because
 * the install folder itself may be hidden there (an install under /tmp, which is private
 * inside); package.json comes along so node reads dist/ as ES modules.
 */
export const SANDBOX_SWARM_ROOT = "/tmp/.swarm";

/** Where a runtime's private variables appear inside the sandbox, as a shell file sourced before the program starts. */
export const SANDBOX_VARS_FILE = "/tmp/.swarm-vars";

/**
 * bwrap arguments: the host read-only; private /tmp, /proc, /dev; new PID, IPC and UTS
 * namespaces; all capabilities dropped (as root, bwrap keeps them otherwise and a
 * sandboxed `mount -o remount,rw /` would write through to the host); the checkout writable.
 */
export function bwrapArgs(c: SandboxCommand): string[] {
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"];
  for (const h of c.hide) args.push("--tmpfs", h);
  for (const p of c.roBinds) args.push("--ro-bind", p, p);
  for (const s of c.shares ?? []) args.push(s.writable ? "--bind" : "--ro-bind", s.path, s.path);
  args.push("--bind", c.workDir, c.workDir);
  args.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "swarm-sandbox");
  if (c.net !== "full") args.push("--unshare-net");
  if (c.net === "proxy" && c.proxySocket) args.push("--bind", c.proxySocket, SANDBOX_PROXY_SOCKET);
  if (c.net === "proxy" && c.swarmRoot) {
    args.push("--ro-bind", `${c.swarmRoot}/package.json`, `${SANDBOX_SWARM_ROOT}/package.json`);
    args.push("--ro-bind", `${c.swarmRoot}/dist`, `${SANDBOX_SWARM_ROOT}/dist`);
  }
  if (c.varsFd !== undefined) args.push("--perms", "0400", "--ro-bind-data", String(c.varsFd), SANDBOX_VARS_FILE);
  args.push("--cap-drop", "ALL", "--die-with-parent");
  if (c.newSession) args.push("--new-session");
  args.push("--clearenv");
  for (const [k, v] of Object.entries(c.env)) args.push("--setenv", k, v);
  args.push("--chdir", c.cwd);
  return args;
}
