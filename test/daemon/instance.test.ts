import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SWARMD, startDaemon, tempHome, type TestDaemon } from "../helpers/daemon.js";
import { RawConn } from "../helpers/raw-socket.js";
import { resolvePaths } from "../../protocol/paths.js";

let d: TestDaemon | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
});

describe("socket, single instance, handshake", () => {
  it("socket directory is 0700 and the socket 0600", async () => {
    d = await startDaemon();
    expect(fs.statSync(path.dirname(d.paths.socket)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(d.paths.socket).mode & 0o777).toBe(0o600);
    expect(fs.statSync(d.paths.database).mode & 0o777).toBe(0o600);
  });

  it("a second daemon on the same home refuses to start, naming the running one", async () => {
    d = await startDaemon();
    const r = spawnSync(process.execPath, [SWARMD, "--foreground"], { env: d.env, encoding: "utf8", timeout: 15_000 });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/already running \(pid \d+\)/);
    // and the first still serves
    const c = await d.client();
    expect((await c.call<{ pid: number }>("daemon.status")).pid).toBe(d.proc.pid);
  });

  it("a stale socket and lock from a SIGKILLed daemon are detected and replaced", async () => {
    const home = tempHome();
    d = await startDaemon({ home });
    await d.kill();
    expect(fs.existsSync(home.paths.socket)).toBe(true); // left behind by the dead daemon
    expect(fs.existsSync(home.paths.lockFile)).toBe(true);
    d = await d.restart();
    const c = await d.client();
    expect((await c.call<{ pid: number }>("daemon.status")).pid).toBe(d.proc.pid);
  });

  it("a socket file nobody listens on (not ours) is replaced", async () => {
    const home = tempHome();
    fs.mkdirSync(path.dirname(home.paths.socket), { recursive: true, mode: 0o700 });
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(home.paths.socket, r));
    await new Promise<void>((r) => srv.close(() => r()));
    fs.writeFileSync(home.paths.socket, ""); // a plain file where the socket should be
    d = await startDaemon({ home });
    expect(fs.statSync(home.paths.socket).isSocket()).toBe(true);
  });

  it("protocol major mismatch is refused with which side to upgrade", async () => {
    d = await startDaemon();
    const c = await RawConn.open(d.paths.socket);
    const newer = await c.request({ jsonrpc: "2.0", method: "daemon.hello", params: { protocol_version: "2.0", client: "future" }, id: 1 });
    expect(newer.error.data.kind).toBe("CONFLICT");
    expect(newer.error.message).toMatch(/client speaks 2\.0, daemon speaks 1\.\d+; upgrade the daemon/);
    const older = await c.request({ jsonrpc: "2.0", method: "daemon.hello", params: { protocol_version: "0.9" }, id: 2 });
    expect(older.error.message).toMatch(/upgrade the client/);
    const same = await c.request({ jsonrpc: "2.0", method: "daemon.hello", params: { protocol_version: "1.7", client: "newer-minor" }, id: 3 });
    expect(same.result).toMatchObject({ protocol_version: expect.stringMatching(/^1\./), schema_version: 1 });
    c.close();
  });

  it("SWARM_HOME with XDG_RUNTIME_DIR set still isolates instances", () => {
    const a = resolvePaths({ SWARM_HOME: "/tmp/a", XDG_RUNTIME_DIR: "/run/user/1" });
    const b = resolvePaths({ SWARM_HOME: "/tmp/b", XDG_RUNTIME_DIR: "/run/user/1" });
    expect(a.socket.startsWith("/run/user/1/swarm-")).toBe(true);
    expect(a.socket).not.toBe(b.socket);
    expect(resolvePaths({ XDG_RUNTIME_DIR: "/run/user/1", HOME: "/home/u" }).socket).toBe("/run/user/1/swarm/swarmd.sock");
    expect(resolvePaths({ SWARM_HOME: "/tmp/a" }).socket).toBe("/tmp/a/run/swarmd.sock");
  });

  it("graceful SIGTERM: exits 0, removes the socket, records daemon.stopping", async () => {
    const home = tempHome();
    d = await startDaemon({ home });
    const code = await d.stop();
    d = undefined;
    expect(code).toBe(0);
    expect(fs.existsSync(home.paths.socket)).toBe(false);
    d = await startDaemon({ home });
    const c = await d.client();
    const r = await c.call<{ events: { type: string; data: { reason?: string } }[] }>("event.list", { since: 0 });
    expect(r.events.find((e) => e.type === "daemon.stopping")?.data.reason).toBe("SIGTERM");
  });
});
