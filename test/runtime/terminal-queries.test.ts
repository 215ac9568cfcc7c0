import fs from "node:fs";
import path from "node:path";
import headless from "@xterm/headless";
import pty from "node-pty";
import { describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { QueryStripper } from "../../daemon/runtime/query-strip.js";
import { paletteHex } from "../../daemon/runtime/terminal-replies.js";
import { ROOT, SWARMCTL, deadlineMs, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { useDaemon, waitScreen } from "./runtime-helpers.js";

const TERM_QUERIES = path.join(ROOT, "test/fixtures/term-queries");
const NAMES = ["cpr", "da1", "da2", "osc10", "osc11", "kitty", "xtversion"];

type Entry = { q?: string; reply?: string | null; ms?: number; late?: string; done?: boolean };
const entries = (log: string): Entry[] =>
  fs.existsSync(log)
    ? fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Entry)
    : [];

/**
 * A person's terminal running `swarmctl attach`: a headless xterm that, like a real one,
 * answers every query it is shown by typing the reply back (into swarmctl's stdin).
 */
class AnsweringViewer {
  readonly term = new headless.Terminal({ cols: 100, rows: 30, allowProposedApi: true });
  readonly proc: pty.IPty;
  answered = 0;
  constructor(env: NodeJS.ProcessEnv, name: string) {
    this.proc = pty.spawn(process.execPath, [SWARMCTL, "attach", "--no-resize", name], { cols: 100, rows: 30, env: env as Record<string, string> });
    this.proc.onData((d) => this.term.write(d));
    this.term.onData((d) => {
      this.answered++;
      this.proc.write(d);
    });
  }
  text(): string {
    const b = this.term.buffer.active;
    return Array.from({ length: this.term.rows }, (_, y) => b.getLine(b.viewportY + y)?.translateToString(true) ?? "").join("\n");
  }
  close(): void {
    this.proc.write("\x1d");
  }
}

async function waitDone(log: string): Promise<Entry[]> {
  return waitFor(`${log} to record every query`, () => (entries(log).some((e) => e.done) ? entries(log) : null), 30_000, 20);
}

describe("terminal queries are answered by the daemon's terminal model (issue 11, defect 6)", () => {
  let d: TestDaemon;
  let c: RpcClient;
  useDaemon((dd) => (d = dd));
  const client = async () => (c ??= await d.client());

  it("with no viewer attached every query gets its answer at once", async () => {
    const log = path.join(d.home, "alone.jsonl");
    await (await client()).call("runtime.start", { name: "alone", command: [TERM_QUERIES, log, "--wait-ms", "5000"], cwd: d.home, cols: 100, rows: 30 });
    const got = await waitDone(log);
    const byName = Object.fromEntries(got.filter((e) => e.q).map((e) => [e.q, e]));
    for (const n of NAMES) expect(byName[n]?.reply, `${n} unanswered`).toBeTruthy();
    // answered by the model, not by a timeout
    for (const n of NAMES) expect(byName[n]!.ms!, n).toBeLessThan(4000);
    expect(byName.cpr!.reply).toBe("\x1b[1;1R");
    expect(byName.osc11!.reply).toBe("\x1b]11;rgb:0000/0000/0000\x1b\\");
    expect(byName.kitty!.reply).toBe("\x1b[?0u");
    expect(byName.xtversion!.reply).toMatch(/^\x1bP>\|swarm/);
    expect(got.filter((e) => e.late)).toEqual([]);
  });

  it("with two answering viewers attached each query is answered exactly once", async () => {
    const log = path.join(d.home, "viewed.jsonl");
    const cmd = ["/bin/sh", "-c", `echo waiting-for-go; read x; exec '${TERM_QUERIES}' '${log}' --wait-ms 5000`];
    await (await client()).call("runtime.start", { name: "viewed", command: cmd, cwd: d.home, cols: 100, rows: 30 });
    await waitScreen(await client(), "viewed", "waiting-for-go", (t) => t.includes("waiting-for-go"));
    const viewers = [new AnsweringViewer(d.env, "viewed"), new AnsweringViewer(d.env, "viewed")];
    try {
      for (const v of viewers) await waitFor("a viewer to show the screen", () => v.text().includes("waiting-for-go"), 15_000, 20);
      await (await client()).call("runtime.input", { name: "viewed", data: "go\r" });
      const got = await waitDone(log);
      for (const v of viewers) await waitFor("a viewer to show queries-done", () => v.text().includes("queries-done"), 15_000, 20);
      // Had a viewer's terminal been shown a query, its reply (typed back through swarmctl)
      // would arrive as a second answer; only a window can show that none comes.
      await new Promise((r) => setTimeout(r, deadlineMs(500)));
      const all = entries(log);
      for (const n of NAMES) expect(got.find((e) => e.q === n)?.reply, `${n} unanswered`).toBeTruthy();
      expect(
        viewers.map((v) => v.answered),
        "replies the viewers' terminals typed",
      ).toEqual([0, 0]);
      expect(all.filter((e) => e.late)).toEqual([]);
    } finally {
      for (const v of viewers) v.close();
    }
  });
});

describe("QueryStripper", () => {
  it("drops queries, keeps everything else, and holds back a query split across chunks", () => {
    const s = new QueryStripper();
    expect(s.strip("a\x1b[6nb\x1b[31mred\x1b[0m\x1b]11;?\x07c")).toBe("ab\x1b[31mred\x1b[0mc");
    expect(s.strip("x\x1b[")).toBe("x");
    expect(s.strip("?u\x1b[>0qy")).toBe("y");
    expect(s.strip("\x1b]0;title\x07\x1b[?1;2c")).toBe("\x1b]0;title\x07\x1b[?1;2c"); // a title and a reply are not queries
    expect(s.strip("\x1b[2J\x1b[H")).toBe("\x1b[2J\x1b[H");
    expect(s.strip("\x1b]10;?")).toBe("");
    expect(s.strip("\x1b\\z")).toBe("z");
  });

  it("palette colours follow xterm's 256-colour table", () => {
    expect(paletteHex(1)).toBe("cc0000");
    expect(paletteHex(16)).toBe("000000");
    expect(paletteHex(196)).toBe("ff0000");
    expect(paletteHex(231)).toBe("ffffff");
    expect(paletteHex(232)).toBe("080808");
  });
});
