import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadlineMs, startDaemon, SWARMCTL, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";

/**
 * `swarmctl … | head -1`: the reader closes its end after `lines` lines (0: before anything
 * arrives). swarmctl must then end like `git log | head`: exit 0, nothing on stderr.
 * `whileOpen` runs once the reader has closed (to make a --follow loop write again).
 */
function intoClosingReader(
  env: NodeJS.ProcessEnv,
  args: string[],
  lines: number,
  whileOpen?: () => Promise<void>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; read: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SWARMCTL, "--no-autostart", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let read = "";
    let stderr = "";
    const close = () => {
      p.stdout.destroy();
      if (whileOpen) whileOpen().catch(reject);
    };
    if (lines === 0) close();
    else
      p.stdout.on("data", (d: Buffer) => {
        read += d.toString();
        if (read.split("\n").length > lines) close();
      });
    p.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill("SIGKILL");
      reject(new Error(`swarmctl ${args.join(" ")} did not end after its reader closed; stderr: ${stderr}`));
    }, deadlineMs(30_000));
    p.on("exit", (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stderr, read });
    });
  });
}

describe("a closed stdout ends swarmctl quietly with exit 0", () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
    const c = await d.client();
    // More than a pipe buffer (64 KiB) of output, so swarmctl is still writing when the reader goes.
    const title = "x".repeat(190);
    for (let i = 0; i < 400; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => c.call("ticket.submit", { title: `${title} ${i + j}` })));
    const seq = await swarmctl(d.env, ["runtime", "start", "seq", "--cwd", d.home, "--", "seq", "1", "20000"]);
    expect(seq.code, seq.stderr).toBe(0);
    await waitFor("seq to finish", async () => JSON.parse((await swarmctl(d.env, ["--json", "runtime", "show", "seq"])).stdout).state === "exited");
  }, 120_000);
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  const cases: [string, string[], number][] = [
    ["events", ["events"], 1],
    ["ticket list", ["ticket", "list"], 1],
    ["ticket list --json", ["--json", "ticket", "list"], 1],
    ["logs NAME --json", ["--json", "logs", "seq"], 1],
    ["logs NAME", ["logs", "seq"], 1],
    ["runtime list (reader gone before the first line)", ["runtime", "list"], 0],
  ];
  it.each(cases)("%s", async (_what, args, lines) => {
    const r = await intoClosingReader(d.env, args, lines);
    expect(r.stderr).toBe("");
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    if (lines > 0) expect(r.read.length).toBeGreaterThan(0);
  });

  it("events --follow ends at its next write after the reader has gone", async () => {
    const c = await d.client();
    const r = await intoClosingReader(d.env, ["events", "--follow"], 1, async () => {
      // keep making events until swarmctl notices (its backlog may all have fit in the pipe)
      for (let i = 0; i < 50; i++) await c.call("ticket.submit", { title: `after close ${i}` });
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }, 60_000);
});
