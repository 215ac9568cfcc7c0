import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, tempHome, type TestDaemon } from "../helpers/daemon.js";
import { RawConn } from "../helpers/raw-socket.js";

let d: TestDaemon;
beforeAll(async () => {
  const home = tempHome();
  // No host-load gate: a claim with nothing ready must long-poll, however busy the test host is.
  fs.writeFileSync(home.paths.configFile, JSON.stringify({ coordinator: { min_free_mem_mb: 0, max_load_per_cpu: 0 } }));
  d = await startDaemon({ home });
});
afterAll(async () => {
  await d?.stop();
});

async function stillServes(): Promise<void> {
  const c = await RawConn.open(d.paths.socket);
  try {
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.status", id: 1 })).toMatchObject({ result: { pid: d.proc.pid } });
  } finally {
    c.close();
  }
}

describe("bad input never kills the daemon", () => {
  it("malformed JSON gets a parse error and the connection stays usable", async () => {
    const c = await RawConn.open(d.paths.socket);
    c.send("{not json\n");
    expect(await c.next()).toMatchObject({ error: { code: -32700 } });
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.ping", id: 2 })).toMatchObject({ result: { pong: true } });
    c.close();
    await stillServes();
  });

  it("a frame over the size limit is refused with RESOURCE_EXHAUSTED naming the limit", async () => {
    const c = await RawConn.open(d.paths.socket);
    const huge = JSON.stringify({ jsonrpc: "2.0", method: "daemon.ping", params: { data: "x".repeat(2 * 1024 * 1024) }, id: 3 });
    c.send(huge + "\n");
    const r = (await c.next()) as { error: { code: number; message: string; data: { kind: string } } };
    expect(r.error.data.kind).toBe("RESOURCE_EXHAUSTED");
    expect(r.error.message).toMatch(/exceeds the limit of 1048576 bytes/);
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.ping", id: 4 })).toMatchObject({ id: 4, result: { pong: true } });
    c.close();
    await stillServes();
  });

  it("wrong param types and unknown methods are clean errors", async () => {
    const c = await RawConn.open(d.paths.socket);
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.hello", params: { protocol_version: 5 }, id: 5 })).toMatchObject({
      error: { code: -32602, data: { kind: "INVALID_ARGUMENT" } },
    });
    expect(await c.request({ jsonrpc: "2.0", method: "config.set", params: [1, 2], id: 6 })).toMatchObject({ error: { code: -32602 } });
    expect(await c.request({ jsonrpc: "2.0", method: "nope.nothing", id: 7 })).toMatchObject({ error: { code: -32601 } });
    c.close();
    await stillServes();
  });

  it("a client that disconnects mid-request does not hurt the daemon", async () => {
    for (let i = 0; i < 5; i++) {
      const s = net.connect(d.paths.socket);
      await new Promise((r) => s.once("connect", r));
      // A long-poll claim (no ticket is ready) is still waiting when its client goes.
      s.write(JSON.stringify({ jsonrpc: "2.0", method: "ticket.claim", params: { worker: `gone-${i}`, wait_ms: 100 }, id: 1 }) + "\n");
      s.write('{"jsonrpc":"2.0","method":"daemon.st'); // half a frame
      s.destroy();
    }
    await stillServes();
    // The waiting handlers finish after their clients left; the daemon must survive that too.
    const c = await RawConn.open(d.paths.socket);
    const r = await c.request({ jsonrpc: "2.0", method: "ticket.claim", params: { worker: "stays", wait_ms: 150 }, id: 9 });
    expect(r).toMatchObject({ id: 9, result: { lease: null } });
    expect(r.result.reason).toMatch(/no ready ticket/);
    c.close();
    await stillServes();
  });

  it("1,000 garbage frames in a row, then a normal call succeeds", async () => {
    const c = await RawConn.open(d.paths.socket);
    const garbage: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const kind = i % 5;
      garbage.push(
        kind === 0
          ? "\x00\x01\x02garbage" + i
          : kind === 1
            ? "[" + "{".repeat(i % 50)
            : kind === 2
              ? JSON.stringify({ jsonrpc: "1.0", method: 42, id: {} })
              : kind === 3
                ? JSON.stringify([{ jsonrpc: "2.0" }, 7, null])
                : "null",
      );
    }
    c.send(garbage.join("\n") + "\n");
    let answers = 0;
    while (answers < 1000) {
      const f = await c.next();
      expect(f).toBeTruthy();
      answers++;
    }
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.ping", params: { data: "ok" }, id: "final" })).toMatchObject({
      id: "final",
      result: { pong: true, data: "ok" },
    });
    c.close();
    await stillServes();
  });
});
