import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { castEvents } from "../../cli/commands/logs.js";
import { encodeNativeSpec, HOLDER_PROTOCOL, type HolderExit, type HolderInfo, type HolderSpec } from "../../daemon/runtime/holder/frames.js";
import { HolderLink } from "../../daemon/runtime/holder-link.js";
import { ROOT, waitFor } from "../helpers/daemon.js";

/** What `npm run build` compiles wherever a C compiler exists (the daemon resolves the same file from dist/). */
const NATIVE_HOLDER = path.join(ROOT, "dist/native/swarm-holder");
const HAVE_CC = spawnSync("cc", ["--version"], { stdio: "ignore" }).status === 0;

/** One connection's view of a holder: what it said, in order. */
class Seen {
  info: HolderInfo | null = null;
  replay: Buffer[] = [];
  replayEnded = false;
  data: Buffer[] = [];
  exit: HolderExit | null = null;
  closed = false;
  link!: HolderLink;
  text(): string {
    return Buffer.concat([...this.replay, ...this.data]).toString("utf8");
  }
  static async connect(socket: string, opts: { ack?: boolean } = {}): Promise<Seen> {
    const s = new Seen();
    s.link = await HolderLink.connect(socket, {
      info: (i) => (s.info = i),
      replay: (c) => s.replay.push(Buffer.from(c)),
      replayEnd: () => (s.replayEnded = true),
      data: (c) => {
        s.data.push(Buffer.from(c));
        if (opts.ack !== false) s.link.ack(c.length);
      },
      exit: (e) => (s.exit = e),
      close: () => (s.closed = true),
    });
    return s;
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-native-"));
const holders: ChildProcess[] = [];
afterAll(() => {
  for (const h of holders) if (h.exitCode === null) h.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts dist/native/swarm-holder directly with a spec on stdin, as holder-spawn.ts does. */
async function startHolder(name: string, command: string[], extra: Partial<HolderSpec> = {}): Promise<{ spec: HolderSpec; proc: ChildProcess }> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const spec: HolderSpec = {
    id: name,
    socket: path.join(dir, "h.sock"),
    dir,
    command,
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm-256color" },
    cols: 80,
    rows: 24,
    ring_bytes: 1024 * 1024,
    high_watermark: 1024 * 1024,
    low_watermark: 256 * 1024,
    recording: { dir: path.join(dir, "recording"), max_bytes: 64 * 1024 * 1024, keep: 3 },
    ...extra,
  };
  const proc = spawn(NATIVE_HOLDER, ["-"], { detached: true, stdio: ["pipe", "ignore", "inherit"] });
  holders.push(proc);
  proc.stdin!.end(encodeNativeSpec(spec));
  await waitFor("the holder's socket", () => fs.existsSync(spec.socket), 10_000);
  return { spec, proc };
}

function recorded(spec: HolderSpec): { header: Record<string, unknown>; out: string } {
  const text = fs.readFileSync(path.join(spec.recording!.dir, "output.cast"), "utf8");
  const header = JSON.parse(text.slice(0, text.indexOf("\n"))) as Record<string, unknown>;
  const out = castEvents(text)
    .filter(([, kind]) => kind === "o")
    .map(([, , d]) => d)
    .join("");
  return { header, out };
}

describe.skipIf(!HAVE_CC)("the native holder (dist/native/swarm-holder)", () => {
  it("is built (npm run build compiles it where cc exists)", () => {
    expect(fs.existsSync(NATIVE_HOLDER), `${NATIVE_HOLDER}: run npm run build`).toBe(true);
  });

  it("says its protocol, serves live output and the exit, records asciicast v2 with split UTF-8 and control bytes intact", async () => {
    // "é" is split across two writes, so across two PTY reads; \x1b and \t must be JSON-escaped.
    const script = `printf 'caf\\303'; sleep 0.1; printf '\\251 \\033[1mbold\\033[0m\\ttab "q" \\\\\\n'; exit 3`;
    const { spec } = await startHolder("basic", ["sh", "-c", script]);
    const s = await Seen.connect(spec.socket);
    await waitFor("the exit", () => s.exit, 10_000);
    expect(s.info).toMatchObject({ id: "basic", protocol: HOLDER_PROTOCOL, holder: "native", cols: 80, rows: 24 });
    expect(s.replayEnded).toBe(true);
    const want = 'café \x1b[1mbold\x1b[0m\ttab "q" \\\r\n';
    expect(s.text()).toBe(want);
    expect(s.exit).toMatchObject({ exit_code: 3, signal: 0, total_bytes: Buffer.byteLength(want) });
    const exitFile = JSON.parse(fs.readFileSync(path.join(spec.dir, "exit.json"), "utf8")) as HolderExit;
    expect(exitFile).toEqual(s.exit);
    const rec = recorded(spec);
    expect(rec.header).toMatchObject({ version: 2, width: 80, height: 24, command: spec.command.join(" "), env: { TERM: "xterm-256color" } });
    expect(rec.out).toBe(want);
    s.link.release();
    await waitFor("the holder to leave once released", () => !fs.existsSync(spec.socket), 10_000);
  });

  it("a second connection replaces the first and gets everything so far as REPLAY, then live DATA; resize and signals reach the child", async () => {
    const { spec } = await startHolder("reconnect", ["sh", "-c", "echo first; trap 'echo got-usr1' USR1; while :; do sleep 0.05; done"]);
    const a = await Seen.connect(spec.socket);
    await waitFor("first output", () => a.text().includes("first"), 10_000);
    const b = await Seen.connect(spec.socket);
    await waitFor("the first connection to be dropped", () => a.closed, 10_000);
    await waitFor("the replay", () => b.replayEnded, 10_000);
    expect(Buffer.concat(b.replay).toString()).toContain("first");
    b.link.resize(100, 30);
    b.link.signal("SIGUSR1");
    await waitFor("the trap's output as live data", () => Buffer.concat(b.data).toString().includes("got-usr1"), 10_000);
    b.link.signal("SIGKILL");
    await waitFor("the exit", () => b.exit, 10_000);
    expect(b.exit).toMatchObject({ exit_code: 0, signal: 9 });
    const c = await Seen.connect(spec.socket);
    await waitFor("the exit replayed to a late connection", () => c.exit, 10_000);
    expect(c.info).toMatchObject({ exited: true, cols: 100, rows: 30 });
    expect(castEvents(fs.readFileSync(path.join(spec.recording!.dir, "output.cast"), "utf8")).filter(([, k]) => k === "r")).toEqual([
      [expect.any(Number), "r", "100x30"],
    ]);
    c.link.release();
  });

  it("flow control: without ACKs the holder stops reading past the high watermark; ACKs let the rest through, every byte counted", async () => {
    const total = 8 * 1024 * 1024;
    const { spec } = await startHolder("flow", ["sh", "-c", `head -c ${total} /dev/zero | tr '\\0' 'a' | fold -w 99`], {
      high_watermark: 64 * 1024,
      low_watermark: 16 * 1024,
    });
    const stalled = await Seen.connect(spec.socket, { ack: false });
    await waitFor("some output", () => stalled.data.length > 0, 10_000);
    // Give the holder time to run ahead if it were going to; it must stay near the watermark.
    await new Promise((r) => setTimeout(r, 500));
    const got = stalled.data.reduce((n, b) => n + b.length, 0);
    expect(got).toBeLessThan(64 * 1024 + 256 * 1024);
    const live = await Seen.connect(spec.socket);
    await waitFor("the exit", () => live.exit, 60_000);
    // fold breaks the stream every 99 bytes with "\n", which the PTY turns into "\r\n"
    expect(live.exit!.total_bytes).toBe(total + 2 * Math.floor(total / 99));
    live.link.release();
  });

  it("redacts listed values in DATA, REPLAY and the recording, also when a value is split across reads", async () => {
    const secret = "sk-live-0123456789";
    const script = `echo "a $S b"; printf 'split sk-live-01'; sleep 0.1; printf '23456789 end\\n'; echo 'near sk-live-0 miss'`;
    // The value also sits in argv (a one-off `sh -c` with it inline): the log and the recording header must not show it.
    const { spec } = await startHolder("redact", ["sh", "-c", `S=${secret}; ${script}`], { redact: [secret, ""] });
    const s = await Seen.connect(spec.socket);
    await waitFor("the exit", () => s.exit, 10_000);
    const want = "a ******** b\r\nsplit ******** end\r\nnear sk-live-0 miss\r\n";
    expect(s.text()).toBe(want);
    const late = await Seen.connect(spec.socket);
    await waitFor("the replay", () => late.exit, 10_000);
    expect(Buffer.concat(late.replay).toString()).toBe(want);
    expect(recorded(spec).out).toBe(want);
    for (const f of fs.readdirSync(spec.dir, { recursive: true }) as string[]) {
      const p = path.join(spec.dir, f);
      if (fs.statSync(p).isFile() && !p.endsWith(".sock")) expect(fs.readFileSync(p, "utf8"), f).not.toContain(secret);
    }
    late.link.release();
  });
});
