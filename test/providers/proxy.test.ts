/**
 * The allow-list proxy under hostile input: real Unix-socket proxy, real TCP upstreams, and
 * proxy-main as its own process (the VM's proxy), which must neither crash nor hang.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/daemon.js";
import { AllowListProxy } from "../../providers/common/proxy.js";
import { helperScript } from "../../providers/vm/layout.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-proxy-"));
const servers: net.Server[] = [];
const children: ChildProcess[] = [];
let sockN = 0;

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const s of servers) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function listen<S extends net.Server>(server: S): Promise<number> {
  servers.push(server);
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port)));
}

function quietLog(): { warns: unknown[]; debug(): void; info(): void; warn(m: string, f?: unknown): void; error(): void } {
  const warns: unknown[] = [];
  return { warns, debug: () => undefined, info: () => undefined, warn: (_m, f) => void warns.push(f), error: () => undefined };
}

async function startProxy(allow: string[]): Promise<{ proxy: AllowListProxy; log: ReturnType<typeof quietLog> }> {
  const log = quietLog();
  const proxy = new AllowListProxy(path.join(dir, `p${++sockN}.sock`), allow, log);
  await proxy.start();
  return { proxy, log };
}

/** proxy-main as the VM runs it; our own pid file stands in for QEMU's, so it stays up. */
async function startProxyMain(allow: string[]): Promise<{ sock: string; child: ChildProcess; stderr: () => string }> {
  const sock = path.join(dir, `m${++sockN}.sock`);
  const pidFile = path.join(dir, `qemu${sockN}.pid`);
  fs.writeFileSync(pidFile, String(process.pid));
  const child = spawn(process.execPath, [helperScript("proxy-main.js"), sock, pidFile, JSON.stringify(allow)], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  let err = "";
  child.stderr?.on("data", (b: Buffer) => (err += b.toString()));
  await waitFor(`proxy-main to listen (stderr: ${err})`, () => fs.existsSync(sock) || child.exitCode !== null);
  expect(child.exitCode).toBeNull();
  return { sock, child, stderr: () => err };
}

/** Sends a raw CONNECT and resolves with the socket and the status line once the proxy answers. */
function connectVia(sock: string, target: string): Promise<{ s: net.Socket; status: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock, () => s.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`));
    let got = "";
    const onData = (b: Buffer): void => {
      got += b.toString("latin1");
      if (!got.includes("\r\n\r\n")) return;
      s.off("data", onData);
      resolve({ s, status: got.split("\r\n")[0] ?? "" });
    };
    s.on("data", onData);
    s.on("error", reject);
    s.on("end", () => resolve({ s, status: got.split("\r\n")[0] ?? "" }));
  });
}

function getVia(sock: string, url: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ socketPath: sock, path: url, headers }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on("error", reject);
    r.end();
  });
}

function within<T>(p: Promise<T>, ms: number): Promise<T | "timed out"> {
  return Promise.race([p, new Promise<"timed out">((r) => setTimeout(() => r("timed out"), ms).unref())]);
}

describe("allow-list proxy: hostile input", () => {
  it("denies CONNECT to a port outside 1-65535 and keeps serving (proxy-main does not crash)", async () => {
    const ok = http.createServer((_q, s) => s.end("still-here"));
    const port = await listen(ok);
    const { sock, child } = await startProxyMain(["127.0.0.1"]);
    for (const bad of ["127.0.0.1:70000", "127.0.0.1:0", "127.0.0.1:65536"]) {
      const r = await connectVia(sock, bad);
      expect(r.status).toMatch(/^HTTP\/1\.1 403/);
      r.s.destroy();
    }
    const r = await getVia(sock, `http://127.0.0.1:${port}/`);
    expect(r).toEqual({ status: 200, body: "still-here" });
    expect(child.exitCode).toBeNull();
  });

  it("answers 502 when an allowed upstream sends status 099, and keeps serving", async () => {
    const weird = net.createServer((c) => {
      c.once("data", () => c.end("HTTP/1.1 099 Odd\r\ncontent-length: 2\r\n\r\nhi"));
    });
    const weirdPort = await listen(weird);
    const ok = http.createServer((_q, s) => s.end("fine"));
    const okPort = await listen(ok);
    const { sock, child } = await startProxyMain(["127.0.0.1"]);
    const r = await getVia(sock, `http://127.0.0.1:${weirdPort}/`);
    expect(r.status).toBe(502);
    expect(await getVia(sock, `http://127.0.0.1:${okPort}/`)).toEqual({ status: 200, body: "fine" });
    expect(child.exitCode).toBeNull();
  });

  it("sends the checked destination as Host and drops Proxy-* headers", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const up = http.createServer((q, s) => (seen.push(q.headers), s.end("ok")));
    const port = await listen(up);
    const { proxy } = await startProxy(["127.0.0.1"]);
    const r = await getVia(proxy.socketPath, `http://127.0.0.1:${port}/x`, {
      host: "fronted.example.com",
      "proxy-authorization": "Basic c2VjcmV0",
      "proxy-connection": "keep-alive",
      "x-kept": "1",
    });
    await proxy.close();
    expect(r.status).toBe(200);
    expect(seen[0]?.host).toBe(`127.0.0.1:${port}`);
    expect(seen[0]?.["proxy-authorization"]).toBeUndefined();
    expect(seen[0]?.["proxy-connection"]).toBeUndefined();
    expect(seen[0]?.["x-kept"]).toBe("1");
  });

  it("a plain GET for an allowed https URL is told to use CONNECT, not that the host is denied", async () => {
    const { proxy } = await startProxy(["allowed.example"]);
    const ok = await getVia(proxy.socketPath, "https://allowed.example/pkg");
    const other = await getVia(proxy.socketPath, "https://other.example/pkg");
    await proxy.close();
    expect(ok.status).toBe(400);
    expect(ok.body).toMatch(/https goes through CONNECT/);
    expect(other.status).toBe(403);
    expect(proxy.denied).not.toContain("allowed.example:443");
  });

  it("keeps a bounded list of denials and rate-limits the warning", async () => {
    const { proxy, log } = await startProxy(["127.0.0.1:1"]);
    for (let i = 0; i < 300; i++) (await connectVia(proxy.socketPath, `10.0.0.${i % 250}:443`)).s.destroy();
    await proxy.close();
    expect(proxy.deniedCount).toBe(300);
    expect(proxy.denied.length).toBeLessThanOrEqual(100);
    expect(proxy.denied.at(-1)).toBe("10.0.0.49:443");
    expect(log.warns.length).toBe(1);
  });
});

describe("allow-list proxy: closing with tunnels open", () => {
  /** An upstream that accepts and then never says a word nor closes. */
  async function silentUpstream(): Promise<number> {
    const held: net.Socket[] = [];
    const srv = net.createServer((c) => void held.push(c));
    srv.on("close", () => held.forEach((c) => c.destroy()));
    return listen(srv);
  }

  it("close() resolves while a CONNECT tunnel to a silent upstream is open", async () => {
    const port = await silentUpstream();
    const { proxy } = await startProxy(["127.0.0.1"]);
    const t = await connectVia(proxy.socketPath, `127.0.0.1:${port}`);
    expect(t.status).toMatch(/^HTTP\/1\.1 200/);
    const clientClosed = new Promise<void>((r) => t.s.on("close", () => r()));
    expect(await within(proxy.close(), 5_000)).toBeUndefined();
    expect(await within(clientClosed, 5_000)).toBeUndefined();
  });

  it("proxy-main exits on SIGTERM while a tunnel is open", async () => {
    const port = await silentUpstream();
    const { sock, child } = await startProxyMain(["127.0.0.1"]);
    const t = await connectVia(sock, `127.0.0.1:${port}`);
    expect(t.status).toMatch(/^HTTP\/1\.1 200/);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGTERM");
    // proxy-main's own grace is 2 s; the fixed close() makes it exit well before that
    expect(await within(exited, 1_500)).toBe(0);
    t.s.destroy();
  });
});
