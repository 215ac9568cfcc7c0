import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { RawConn } from "../helpers/raw-socket.js";

// The examples of the JSON-RPC 2.0 specification (section 7), with method names
// namespaced under `test.` (registered only when SWARM_TEST_METHODS=1).
let d: TestDaemon;
let c: RawConn;
beforeAll(async () => {
  d = await startDaemon();
  c = await RawConn.open(d.paths.socket);
});
afterAll(async () => {
  c?.close();
  await d?.stop();
});

describe("JSON-RPC 2.0 specification examples over the real socket", () => {
  it("rpc call with positional parameters", async () => {
    expect(await c.request({ jsonrpc: "2.0", method: "test.subtract", params: [42, 23], id: 1 })).toEqual({ jsonrpc: "2.0", result: 19, id: 1 });
    expect(await c.request({ jsonrpc: "2.0", method: "test.subtract", params: [23, 42], id: 2 })).toEqual({ jsonrpc: "2.0", result: -19, id: 2 });
  });

  it("rpc call with named parameters", async () => {
    expect(await c.request({ jsonrpc: "2.0", method: "test.subtract", params: { subtrahend: 23, minuend: 42 }, id: 3 })).toEqual({
      jsonrpc: "2.0",
      result: 19,
      id: 3,
    });
  });

  it("a notification gets no response", async () => {
    c.send(JSON.stringify({ jsonrpc: "2.0", method: "test.update", params: [1, 2, 3, 4, 5] }) + "\n");
    c.send(JSON.stringify({ jsonrpc: "2.0", method: "test.notify_hello", params: [7] }) + "\n");
    // The next response on the wire must belong to the request after the notifications.
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.ping", id: "after" })).toMatchObject({ id: "after", result: { pong: true } });
  });

  it("rpc call of non-existent method", async () => {
    const r = await c.request({ jsonrpc: "2.0", method: "foobar", id: "1" });
    expect(r).toMatchObject({ jsonrpc: "2.0", id: "1", error: { code: -32601 } });
    expect(r.error.message).toMatch(/Method not found/);
  });

  it("rpc call with invalid JSON", async () => {
    c.send('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]\n');
    expect(await c.next()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
  });

  it("rpc call with invalid Request object", async () => {
    expect(await c.request({ jsonrpc: "2.0", method: 1, params: "bar" })).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
  });

  it("rpc call Batch, invalid JSON", async () => {
    c.send('[ {"jsonrpc": "2.0", "method": "test.sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"\n');
    expect(await c.next()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
  });

  it("rpc call with an empty Array", async () => {
    c.send("[]\n");
    expect(await c.next()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
  });

  it("rpc call with an invalid Batch (but not empty)", async () => {
    c.send("[1]\n");
    const r = (await c.next()) as unknown[];
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
  });

  it("rpc call with invalid Batch", async () => {
    c.send("[1,2,3]\n");
    const r = (await c.next()) as unknown[];
    expect(r).toHaveLength(3);
    for (const x of r) expect(x).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
  });

  it("rpc call Batch", async () => {
    c.send(
      JSON.stringify([
        { jsonrpc: "2.0", method: "test.sum", params: [1, 2, 4], id: "1" },
        { jsonrpc: "2.0", method: "test.notify_hello", params: [7] },
        { jsonrpc: "2.0", method: "test.subtract", params: [42, 23], id: "2" },
        { foo: "boo" },
        { jsonrpc: "2.0", method: "foo.get", params: { name: "myself" }, id: "5" },
        { jsonrpc: "2.0", method: "test.get_data", id: "9" },
      ]) + "\n",
    );
    const r = (await c.next()) as { id: unknown }[];
    const byId = new Map(r.map((x) => [x.id, x]));
    expect(r).toHaveLength(5);
    expect(byId.get("1")).toEqual({ jsonrpc: "2.0", result: 7, id: "1" });
    expect(byId.get("2")).toEqual({ jsonrpc: "2.0", result: 19, id: "2" });
    expect(byId.get(null)).toMatchObject({ error: { code: -32600 } });
    expect(byId.get("5")).toMatchObject({ error: { code: -32601 } });
    expect(byId.get("9")).toEqual({ jsonrpc: "2.0", result: ["hello", 5], id: "9" });
  });

  it("rpc call Batch (all notifications) returns nothing", async () => {
    c.send(
      JSON.stringify([
        { jsonrpc: "2.0", method: "test.notify_sum", params: [1, 2, 4] },
        { jsonrpc: "2.0", method: "test.notify_hello", params: [7] },
      ]) + "\n",
    );
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.ping", id: "x" })).toMatchObject({ id: "x" });
  });

  it("invalid params: wrong types give -32602 with kind INVALID_ARGUMENT and the offending path", async () => {
    const r = await c.request({ jsonrpc: "2.0", method: "test.subtract", params: ["a", 2], id: 10 });
    expect(r.error.code).toBe(-32602);
    expect(r.error.data.kind).toBe("INVALID_ARGUMENT");
    expect(r.error.message).toMatch(/invalid params/);
    const r2 = await c.request({ jsonrpc: "2.0", method: "event.list", params: { since: "yesterday" }, id: 11 });
    expect(r2.error.code).toBe(-32602);
    expect(r2.error.message).toContain("since");
  });
});
