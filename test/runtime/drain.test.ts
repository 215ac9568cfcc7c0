import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { screen, show, waitExited, killAll } from "./runtime-helpers.js";
import { castEvents } from "../../cli/commands/logs.js";

/** A file of numbered 64-byte lines; through a PTY each "\n" becomes "\r\n". */
function makeFile(file: string, mb: number): { expected: number; last: string } {
  const lines = Math.floor((mb * 1024 * 1024) / 64);
  const fd = fs.openSync(file, "w");
  const batch: string[] = [];
  let last = "";
  for (let i = 0; i < lines; i++) {
    last = `line ${String(i).padStart(10, "0")} ${"abcdefghijklmnopqrstuvwxyz0123456789-=+".slice(0, 47)}`;
    batch.push(last + "\n");
    if (batch.length === 10000) fs.writeSync(fd, batch.splice(0).join(""));
  }
  fs.writeSync(fd, batch.join(""));
  fs.closeSync(fd);
  return { expected: fs.statSync(file).size + lines, last };
}

function recordedBytes(files: string[]): number {
  let n = 0;
  for (const f of files) for (const [, kind, data] of castEvents(fs.readFileSync(f, "utf8"))) if (kind === "o") n += Buffer.byteLength(data);
  return n;
}

describe("no output lost at exit", () => {
  let d: TestDaemon;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-drain-"));
    d = await startDaemon();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("cat of a 2 MB file, 8 times: every byte reaches the daemon and the recording", async () => {
    const c = await d.client();
    const { expected, last } = makeFile(path.join(dir, "small.txt"), 2);
    for (let i = 0; i < 8; i++) {
      await c.call("runtime.start", { name: `cat${i}`, command: ["cat", path.join(dir, "small.txt")], cwd: dir });
      const r = await waitExited(c, `cat${i}`);
      expect(r.exit_code).toBe(0);
      expect(r.bytes_out, `run ${i}`).toBe(expected);
      expect(recordedBytes((await show(c, `cat${i}`)).recordings), `run ${i} recording`).toBe(expected);
      const s = await screen(c, `cat${i}`);
      expect(s.lines.filter(Boolean).pop()).toBe(last);
    }
  }, 120_000);

  it("cat of a 50 MB file: byte count equal", async () => {
    const c = await d.client();
    const { expected, last } = makeFile(path.join(dir, "big.txt"), 50);
    await c.call("runtime.start", { name: "big", command: ["cat", path.join(dir, "big.txt")], cwd: dir });
    const r = await waitExited(c, "big", 120_000);
    expect(r.bytes_out).toBe(expected);
    expect(recordedBytes((await show(c, "big")).recordings)).toBe(expected);
    expect((await screen(c, "big")).lines.filter(Boolean).pop()).toBe(last);
  }, 150_000);
});
