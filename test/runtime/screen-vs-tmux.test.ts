import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { screen, killAll } from "./runtime-helpers.js";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const HAVE_TMUX = has("tmux");

/** Runs the same command in a detached tmux pane of the same size and captures its screen. */
class TmuxPane {
  private readonly sock = `swarm-rt-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(private readonly conf: string) {}
  tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.sock, "-f", this.conf, ...args], { encoding: "utf8" });
  }
  start(cmd: string[], cwd: string, cols: number, rows: number): void {
    this.tmux("new-session", "-d", "-s", "t", "-x", String(cols), "-y", String(rows), "-c", cwd, "--", ...cmd);
  }
  lines(): string[] {
    return this.tmux("capture-pane", "-p", "-t", "t")
      .replace(/\n$/, "")
      .split("\n")
      .map((l) => l.trimEnd());
  }
  kill(): void {
    spawnSync("tmux", ["-L", this.sock, "kill-server"]);
  }
}

const CASES: { name: string; cmd: (file: string) => string[]; bin: string; ready: string }[] = [
  { name: "less", bin: "less", cmd: (f) => ["less", f], ready: "row 0001" },
  { name: "vim", bin: "vim", cmd: (f) => ["vim", "-u", "NONE", "-N", "-i", "NONE", "-n", "+12", f], ready: "row 0001" },
  {
    name: "full-screen script",
    bin: "sh",
    // alternate screen, cursor addressing, colours, a cleared region: what TUIs do.
    cmd: () => [
      "sh",
      "-c",
      "printf '\\033[?1049h\\033[2J\\033[5;10H\\033[1;31mTITLE\\033[0m\\033[10;1Hleft\\033[10;70Hright\\033[20;30H\\033[7mstatus bar\\033[0m\\033[3;1Hrow three'; sleep 30",
    ],
    ready: "status bar",
  },
];

describe.skipIf(!HAVE_TMUX)("screen model matches tmux for full-screen programs", () => {
  let d: TestDaemon;
  let conf: string;
  let file: string;
  const panes: TmuxPane[] = [];
  beforeAll(async () => {
    d = await startDaemon();
    conf = path.join(d.home, "tmux.conf");
    fs.writeFileSync(conf, "set -g status off\nset -g default-terminal xterm-256color\n");
    file = path.join(d.home, "rows.txt");
    fs.writeFileSync(
      file,
      Array.from({ length: 300 }, (_, i) => `row ${String(i + 1).padStart(4, "0")} ${"lorem ipsum dolor sit amet ".repeat(1 + (i % 4))}`).join("\n") + "\n",
    );
  });
  afterAll(async () => {
    panes.forEach((p) => p.kill());
    await killAll(d);
    await d?.stop();
  });

  for (const tc of CASES) {
    it.skipIf(!has(tc.bin))(
      `${tc.name}: our screen text equals tmux capture-pane at 100x30`,
      async () => {
        const c = await d.client();
        const name = tc.name.replace(/\W+/g, "-");
        const cmd = tc.cmd(file);
        await c.call("runtime.start", { name, command: cmd, cwd: d.home, cols: 100, rows: 30, vars: { LESS: "", LESSHISTFILE: "-" } });
        const pane = new TmuxPane(conf);
        panes.push(pane);
        pane.start(["env", "LESS=", "LESSHISTFILE=-", ...cmd], d.home, 100, 30);
        // Both settle independently; compare once they agree or report the last difference.
        let ours: string[] = [];
        let theirs: string[] = [];
        const same = await waitFor(
          `${tc.name} screens to match`,
          async () => {
            ours = (await screen(c, name)).lines;
            theirs = pane.lines();
            while (theirs.length < ours.length) theirs.push("");
            return ours.join("\n").includes(tc.ready) && ours.join("\n") === theirs.join("\n");
          },
          8000,
          50,
        ).catch(() => false);
        expect(ours.join("\n").includes(tc.ready), "our screen shows the program").toBe(true);
        if (!same) expect(ours).toEqual(theirs);
        expect(same).toBe(true);
        await c.call("runtime.kill", { name });
      },
      20_000,
    );
  }
});
