import { spawn } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolvePaths } from "../protocol/paths.js";
import { SWARM_VERSION } from "../protocol/version.js";
import { runForeground, SWARMD_EXIT } from "./process.js";
import { socketAnswers } from "./transport/instance-lock.js";

const USAGE = `usage: swarmd [--foreground] [--version] [--help]

Runs the swarm daemon. Without --foreground it starts itself in the background and
returns once it answers on its socket. Paths follow SWARM_HOME (see docs/paths.md).
`;

function startFailed(logDir: string, code: number): never {
  const tail = fs.readFileSync(`${logDir}/swarmd.stderr.log`, "utf8").split("\n").slice(-6).join("\n");
  process.stderr.write(`swarmd failed to start (exit ${code}):\n${tail}\n`);
  process.exit(code || SWARMD_EXIT.startFailed);
}

/** Starts `swarmd --foreground` detached and returns once its socket answers. */
async function runBackground(): Promise<void> {
  const paths = resolvePaths();
  if (fs.existsSync(paths.socket) && (await socketAnswers(paths.socket))) {
    process.stdout.write(`swarmd already running on ${paths.socket}\n`);
    return;
  }
  fs.mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
  const out = fs.openSync(`${paths.logDir}/swarmd.stderr.log`, "a", 0o600);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--foreground"], { detached: true, stdio: ["ignore", out, out] });
  child.unref();
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? 1));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited !== null) startFailed(paths.logDir, exited);
    if (await socketAnswers(paths.socket, 200)) {
      process.stdout.write(`swarmd started (pid ${child.pid}) on ${paths.socket}\n`);
      process.exit(SWARMD_EXIT.ok);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  process.stderr.write(`swarmd did not answer on ${paths.socket} within 15 s; see ${paths.logFile}\n`);
  process.exit(SWARMD_EXIT.startFailed);
}

export async function main(argv: string[]): Promise<void> {
  let values: { foreground?: boolean; version?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv.slice(2),
      options: { foreground: { type: "boolean" }, version: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`swarmd: ${(err as Error).message}\n${USAGE}`);
    process.exit(SWARMD_EXIT.usage);
  }
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(SWARM_VERSION + "\n");
  if (values.foreground) await runForeground();
  else await runBackground();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  main(process.argv).catch((err) => {
    process.stderr.write(`swarmd: failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(SWARMD_EXIT.startFailed);
  });
}
