import type { NetMode } from "../types.js";
import { FORWARDER_PORT } from "../common/proxy.js";
import { SANDBOX_PROXY_SOCKET, SANDBOX_SWARM_ROOT } from "./bwrap-args.js";

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_/.:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** What bwrap runs inside the sandbox for `argv`: the proxy forwarder or `sh -c 'exec "$@"'`, under `script` for a PTY. */
export function innerArgv(net: NetMode, argv: string[], pty: boolean): string[] {
  // bwrap exits 1 when it cannot exec the command; through `sh -c 'exec "$@"'` a missing
  // command is 127 with "not found", as everywhere else (the proxy forwarder does the same)
  const inner =
    net === "proxy"
      ? [process.execPath, `${SANDBOX_SWARM_ROOT}/dist/providers/sandbox/forwarder-main.js`, SANDBOX_PROXY_SOCKET, String(FORWARDER_PORT), ...argv]
      : ["/bin/sh", "-c", 'exec "$@"', "swarm", ...argv];
  if (!pty) return inner;
  // In a new PID namespace the outer terminal's process group is invisible, so shells
  // cannot do job control ("Cannot set tty process group") and misreport exit codes.
  // `script` gives the program a terminal of its own inside the sandbox (and passes resizes on).
  // Only when really on a terminal: `env run` streams a PTY command through plain pipes.
  return [
    "/bin/sh",
    "-c",
    'if [ -t 0 ] && [ -t 1 ]; then exec script -qefc "$1" /dev/null; fi; shift; exec "$@"',
    "swarm-pty",
    inner.map(shellQuote).join(" "),
    ...inner,
  ];
}
