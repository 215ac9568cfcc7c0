/**
 * The proxy forwarder, run inside a `net = proxy` sandbox (whose network namespace has only
 * `lo`) as `node forwarder-main.js PROXY_SOCK PORT ARGV...`: listens on 127.0.0.1:PORT,
 * pipes each connection to the allow-list proxy's Unix socket (bound into the sandbox),
 * runs ARGV with HTTP(S)_PROXY pointing at it, and exits with the command's status.
 * A missing command is 127 with "command not found", as through `sh -c 'exec "$@"'`.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import os from "node:os";
import { EXIT, signalExitCode } from "../../protocol/exit-codes.js";

const [sock, port, ...argv] = process.argv.slice(2);
if (!sock || !port || argv.length === 0) {
  process.stderr.write("usage: forwarder-main PROXY_SOCK PORT ARGV...\n");
  process.exit(EXIT.usage);
}

const srv = net.createServer((c) => {
  const u = net.connect(sock);
  c.pipe(u);
  u.pipe(c);
  u.on("error", () => c.destroy());
  c.on("error", () => u.destroy());
});

srv.listen(Number(port), "127.0.0.1", () => {
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, ALL_PROXY: url };
  const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit", env });
  // the terminal's ^C / ^\ reach the child through its process group; we outlive it to report its status
  for (const s of ["SIGINT", "SIGQUIT"] as const) process.on(s, () => undefined);
  for (const s of ["SIGTERM", "SIGHUP"] as const) process.on(s, () => child.kill(s));
  child.on("error", (e: NodeJS.ErrnoException) => {
    const why = e.code === "ENOENT" ? "command not found" : e.code === "EACCES" ? "permission denied" : e.message;
    process.stderr.write(`${argv[0]}: ${why}\n`);
    process.exit(e.code === "EACCES" ? EXIT.cannotExecute : EXIT.commandNotFound);
  });
  child.on("exit", (code, sig) => process.exit(code ?? signalExitCode(sig ? os.constants.signals[sig] : undefined)));
});
