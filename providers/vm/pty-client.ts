/**
 * The host side of an interactive session in a VM, run inside the caller's PTY:
 *   node pty-client.js --sock MUX_SOCK --cwd DIR [--env K=V]... -- ARGV...
 * Guest environment variables come from SWARMVM_ENV_<NAME> in its own environment.
 * It opens a PTY channel in the guest sized like its own terminal, puts its terminal in raw
 * mode so keys pass through untouched, forwards resizes, and exits with the guest's status.
 */
import { parseArgs } from "node:util";
import { EXIT, signalExitCode } from "../../protocol/exit-codes.js";
import { connectMux } from "./agent-client.js";
import { F, FrameReader, decodeExit, encodeFrame, encodeOpen, encodeResize } from "./frames.js";

const USAGE = "usage: pty-client --sock MUX_SOCK [--cwd DIR] [--env K=V]... -- ARGV...";

function args(argv: string[]): { sock: string; cwd: string; env: Record<string, string>; cmd: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { sock: { type: "string" }, cwd: { type: "string", default: "/work" }, env: { type: "string", multiple: true, default: [] } },
    allowPositionals: true,
  });
  const env: Record<string, string> = {};
  for (const kv of values.env) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (!values.sock || positionals.length === 0) throw new Error(USAGE);
  return { sock: values.sock, cwd: values.cwd, env, cmd: positionals };
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const s = await connectMux(a.sock);
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  const env: Record<string, string> = { TERM: process.env.TERM ?? "xterm-256color" };
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("SWARMVM_ENV_") && v !== undefined) env[k.slice("SWARMVM_ENV_".length)] = v;
  }
  Object.assign(env, a.env);
  s.write(encodeFrame(F.OPEN, 0, encodeOpen({ pty: true, rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80, cwd: a.cwd, argv: a.cmd, env })));
  process.stdout.on("resize", () => {
    s.write(encodeFrame(F.RESIZE, 0, encodeResize(process.stdout.rows ?? 24, process.stdout.columns ?? 80)));
  });
  stdin.on("data", (d: Buffer) => s.write(encodeFrame(F.STDIN, 0, d)));
  stdin.on("end", () => s.write(encodeFrame(F.STDIN_EOF, 0)));
  let code: number = EXIT.connectionLost;
  const r = new FrameReader((f) => {
    if (f.type === F.STDOUT || f.type === F.STDERR) process.stdout.write(f.payload);
    else if (f.type === F.EXIT) {
      const x = decodeExit(f.payload);
      code = x.signal ? signalExitCode(x.signal) : x.code;
    }
  });
  s.on("data", (d: Buffer) => r.push(d));
  s.on("close", () => {
    if (stdin.isTTY) stdin.setRawMode(false);
    // Let stdout drain before exiting so the last bytes of output are not lost.
    process.stdout.write("", () => process.exit(code));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`swarm vm pty: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT.connectionLost);
});
