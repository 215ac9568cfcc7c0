/**
 * Runs tmux. The runner is a plain function so the tmux adapter never spawns anything
 * itself: tests can pass a recording runner and assert the exact argv, and the daemon can
 * route tmux through an environment's exec capability later.
 */
import { execFile } from "node:child_process";
import { SwarmError } from "../../../protocol/errors.js";

export interface TmuxResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** argv excludes the tmux binary; `input` is written to tmux's stdin (for load-buffer -). */
export type TmuxRunner = (argv: string[], input?: string) => Promise<TmuxResult>;

export function execTmux(bin = "tmux"): TmuxRunner {
  return (argv, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(bin, argv, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (e && e.code === "ENOENT") {
          reject(new SwarmError("UNAVAILABLE", `${bin} is not installed or not on PATH`, { hint: "install tmux (apt-get install tmux, brew install tmux)" }));
          return;
        }
        const code = e ? (typeof e.code === "number" ? e.code : 1) : 0;
        resolve({ stdout, stderr, code });
      });
      if (input !== undefined) child.stdin?.end(input);
      else child.stdin?.end();
    });
}

/** Where the tmux server lives: a private socket name (-L), a socket path (-S), or the user's default server. */
export type TmuxSocket = { name: string } | { path: string } | "default";

export function socketArgs(socket: TmuxSocket): string[] {
  if (socket === "default") return [];
  return "name" in socket ? ["-L", socket.name] : ["-S", socket.path];
}
