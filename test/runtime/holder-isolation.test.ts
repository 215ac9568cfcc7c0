import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import { encodeJson, encodeFrame, FRAME, FrameReader } from "../../daemon/runtime/holder/frames.js";
import { ROOT, startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, killAll, show, waitScreen } from "./runtime-helpers.js";

const NATIVE = path.join(ROOT, "dist/native/swarm-holder");
const HAVE_CC = spawnSync("cc", ["--version"], { stdio: "ignore" }).status === 0;

/** The program a holder process runs: /proc/PID/exe. */
function exeOf(pid: number): string {
  return fs.readlinkSync(`/proc/${pid}/exe`);
}

async function events(c: RpcClient, type: string): Promise<{ subject: string | null; data: Record<string, unknown> }[]> {
  const r = await c.call<{ events: { type: string; subject: string | null; data: Record<string, unknown> }[] }>("event.list", { types: [type] });
  return r.events;
}

/**
 * A runtime started, then the daemon killed with its holder and program: the record stays,
 * its socket path is free for a stand-in holder to listen on before the next daemon starts.
 */
async function orphanedSocket(d: TestDaemon, name: string): Promise<{ row: Runtime; socket: string }> {
  const c = await d.client();
  await c.call("runtime.start", { name, command: ["sleep", "300"], cwd: d.home });
  const row = await show(c, name);
  const socket = path.join(d.paths.runDir, "rt", `${row.id}.sock`);
  expect(fs.existsSync(socket)).toBe(true);
  await d.kill();
  process.kill(row.holder_pid!, "SIGKILL");
  process.kill(row.pid!, "SIGKILL");
  fs.rmSync(socket, { force: true });
  return { row, socket };
}

describe("PTY holders: which one runs, failure isolation, protocol versions", () => {
  let d: TestDaemon | undefined;
  afterEach(async () => {
    await killAll(d);
    await d?.stop();
    d = undefined;
  });

  it.skipIf(!HAVE_CC)('runtime.holder "auto" runs the native holder; "node" runs the Node one', async () => {
    d = await startDaemon();
    let c = await d.client();
    await c.call("runtime.start", { name: "n1", command: ["sleep", "300"], cwd: d.home });
    expect(exeOf((await show(c, "n1")).holder_pid!)).toBe(fs.realpathSync(NATIVE));
    await killAll(d);
    await d.stop();
    d = await startDaemon({ config: { runtime: { holder: "node" } } });
    c = await d.client();
    await c.call("runtime.start", { name: "j1", command: ["sleep", "300"], cwd: d.home });
    expect(path.basename(exeOf((await show(c, "j1")).holder_pid!))).toMatch(/^node/);
  });

  it("kill -9 of one holder ends only its runtime, recorded as lost; the others keep running and answering", async () => {
    d = await startDaemon();
    const c = await d.client();
    const names = ["iso-a", "iso-b", "iso-c"];
    for (const name of names) await c.call("runtime.start", { name, command: [FAKE_AGENT, "--work-ms", "50"], cwd: d.home, cols: 80, rows: 24 });
    for (const name of names) await waitScreen(c, name, "the banner", (t) => t.includes("fake-agent ready"), 20_000);
    const victim = await show(c, "iso-b");
    process.kill(victim.holder_pid!, "SIGKILL");
    const lost = await waitFor(
      "the victim to be lost",
      async () => {
        const r = await show(c, "iso-b");
        return r.state === "lost" ? r : null;
      },
      20_000,
    );
    expect(lost.why).toBe("its PTY holder went away");
    expect((await events(c, "runtime.lost")).map((e) => e.subject)).toEqual(["iso-b"]);
    // The agent under the dead holder got the hangup of its terminal and is gone too.
    await waitFor(
      "the victim's agent to be gone",
      () => !fs.existsSync(`/proc/${victim.pid}/status`) || /State:\s+Z/.test(fs.readFileSync(`/proc/${victim.pid}/status`, "utf8")),
      20_000,
    );
    for (const name of ["iso-a", "iso-c"]) {
      const r = await show(c, name);
      expect(r.state, `${name}: ${r.why}`).not.toMatch(/lost|exited/);
      await c.call("runtime.input", { name, data: `still-${name}\r` });
      await waitScreen(c, name, "the answer", (t) => t.includes(`received: still-${name}`), 20_000);
    }
  });

  it("a holder speaking a newer protocol is refused by name and left running; its record is not marked lost", async () => {
    d = await startDaemon();
    const { row, socket } = await orphanedSocket(d, "future");
    let c: RpcClient;
    // Stand in for a holder from a newer swarm: same socket, INFO with protocol 99.
    const seen: net.Socket[] = [];
    const fake = net.createServer((s) => {
      seen.push(s);
      s.on("error", () => {});
      s.write(
        encodeJson(FRAME.INFO, {
          id: row.id,
          holder_pid: process.pid,
          child_pid: process.pid,
          cols: 80,
          rows: 24,
          total_bytes: 0,
          exited: false,
          started_at: "",
          protocol: 99,
        }),
      );
      s.write(encodeFrame(FRAME.REPLAY_END));
    });
    await new Promise<void>((r) => fake.listen(socket, r));
    try {
      d = await d.restart();
      c = await d.client();
      const r = await show(c, "future");
      expect(r.state).not.toMatch(/lost|exited/);
      expect(r.why).toContain("protocol 99");
      expect(r.why).toContain("upgrade swarmd");
      await waitFor("the daemon to hang up on the newer holder", () => seen.length > 0 && seen.every((s) => s.destroyed || s.readableEnded), 10_000);
    } finally {
      fake.close();
    }
  });

  it("a holder of the oldest protocol (version 1: its INFO names none) is adopted: its replay is the screen, input reaches it", async () => {
    d = await startDaemon();
    const { row, socket } = await orphanedSocket(d, "older");
    let c: RpcClient;
    // the pids it reports are a real program's, which the daemon may signal when it ends the runtime
    const stand = spawn("sleep", ["300"], { stdio: "ignore" });
    const inputs: string[] = [];
    const fake = net.createServer((s) => {
      s.on("error", () => {});
      const frames = new FrameReader((type, payload) => type === FRAME.INPUT && inputs.push(payload.toString("utf8")));
      s.on("data", (chunk: Buffer) => frames.push(chunk));
      s.write(
        encodeJson(FRAME.INFO, { id: row.id, holder_pid: stand.pid, child_pid: stand.pid, cols: 80, rows: 24, total_bytes: 22, exited: false, started_at: "" }),
      );
      s.write(encodeFrame(FRAME.REPLAY, Buffer.from("older holder's screen\r\n")));
      s.write(encodeFrame(FRAME.REPLAY_END));
    });
    await new Promise<void>((r) => fake.listen(socket, r));
    try {
      d = await d.restart();
      c = await d.client();
      await waitScreen(c, "older", "the replay of the older holder", (t) => t.includes("older holder's screen"));
      const r = await show(c, "older");
      expect(r.state).not.toMatch(/lost|exited/);
      expect(r.why ?? "").not.toContain("protocol");
      await c.call("runtime.input", { name: "older", data: "hello v1" });
      await waitFor("the input to reach the older holder", () => inputs.join("").includes("hello v1"));
    } finally {
      fake.close();
      stand.kill("SIGKILL");
    }
  });
});
