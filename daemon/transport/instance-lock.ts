import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { pidAlive } from "../../protocol/os.js";

/** Does something answer on this socket? (A stale file from a dead daemon refuses.) */
export function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const done = (v: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

export class AlreadyRunningError extends Error {
  constructor(
    readonly pid: number | null,
    readonly socketPath: string,
  ) {
    super(
      `swarmd is already running${pid ? ` (pid ${pid})` : ""} on ${socketPath}; ` +
        "stop it with `swarmctl daemon stop`, or set SWARM_HOME to run a separate instance",
    );
  }
}

/**
 * Single-instance guard: a lock file created atomically with link(2) holds our pid.
 * A lock whose pid is dead is stale and taken over; a live one means refuse to start.
 * Then a socket file nobody answers on is stale and removed.
 */
export async function acquireInstance(lockFile: string, socketPath: string): Promise<() => void> {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(lockFile), 0o700);
  const tmp = `${lockFile}.${process.pid}`;
  fs.writeFileSync(tmp, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(tmp, lockFile);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const holder = Number.parseInt(fs.readFileSync(lockFile, "utf8"), 10);
        if (Number.isFinite(holder) && holder !== process.pid && pidAlive(holder)) {
          throw new AlreadyRunningError(holder, socketPath);
        }
        fs.rmSync(lockFile, { force: true });
        if (attempt === 2) throw new AlreadyRunningError(null, socketPath);
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  if (fs.existsSync(socketPath)) {
    if (await socketAnswers(socketPath)) {
      fs.rmSync(lockFile, { force: true });
      throw new AlreadyRunningError(null, socketPath);
    }
    fs.rmSync(socketPath, { force: true });
  }
  return () => {
    try {
      if (fs.readFileSync(lockFile, "utf8") === String(process.pid)) fs.rmSync(lockFile, { force: true });
    } catch {
      /* already gone */
    }
  };
}
