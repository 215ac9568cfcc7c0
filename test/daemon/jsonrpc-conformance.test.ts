import net from "node:net";
import { JSONRPCClient, JSONRPCErrorException } from "json-rpc-2.0";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { RawConn } from "../helpers/raw-socket.js";

// The examples of section 7 of the JSON-RPC 2.0 specification, sent verbatim with their
// own method names. The daemon has none of `subtract`, `update`, `foobar`, `sum`,
// `notify_hello`, `notify_sum`, `foo.get`, `get_data`, so the specification mandates: a
// request with an id gets -32601 with that id (section 5.1), a notification gets nothing,
// errors included (section 4.1, batches too), and the parse-error and invalid-request
// examples get the responses section 7 shows. Success-shaped cases use real methods.
//
// "No reply" is asserted without waiting: a request sent after the notification on the
// same connection must be the next (and only) reply, or, inside a batch, the batch's reply
// must hold exactly the requests' responses.

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

/** The spec's error responses, as section 7 shows them; the daemon adds a clause to the message and `data`, which section 5.1 allows. */
function specError(code: number, message: string, id: string | number | null) {
  return { jsonrpc: "2.0", id, error: expect.objectContaining({ code, message: expect.stringMatching(new RegExp(`^${message}`)) }) };
}

/** Sends the frame, then a daemon.ping; the ping's response must be the next frame. Returns how many frames preceded it (must be 0). */
async function nothingBefore(frame: string, tag: string): Promise<void> {
  c.send(frame + "\n");
  c.send(JSON.stringify({ jsonrpc: "2.0", method: "daemon.ping", params: { data: tag }, id: tag }) + "\n");
  expect(await c.next()).toEqual({ jsonrpc: "2.0", result: { pong: true, data: tag }, id: tag });
}

describe("JSON-RPC 2.0 specification, section 7 examples, verbatim over the real socket", () => {
  it("rpc call with positional parameters: subtract does not exist, so -32601 with each id", async () => {
    expect(await c.request({ jsonrpc: "2.0", method: "subtract", params: [42, 23], id: 1 })).toEqual(specError(-32601, "Method not found", 1));
    expect(await c.request({ jsonrpc: "2.0", method: "subtract", params: [23, 42], id: 2 })).toEqual(specError(-32601, "Method not found", 2));
  });

  it("rpc call with named parameters: -32601 with each id", async () => {
    expect(await c.request({ jsonrpc: "2.0", method: "subtract", params: { subtrahend: 23, minuend: 42 }, id: 3 })).toEqual(
      specError(-32601, "Method not found", 3),
    );
    expect(await c.request({ jsonrpc: "2.0", method: "subtract", params: { minuend: 42, subtrahend: 23 }, id: 4 })).toEqual(
      specError(-32601, "Method not found", 4),
    );
  });

  it("a Notification: no reply, even though neither method exists", async () => {
    await nothingBefore('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', "after-update");
    await nothingBefore('{"jsonrpc": "2.0", "method": "foobar"}', "after-foobar");
    await nothingBefore('{"jsonrpc":"2.0","method":"notify_hello","params":[7]}', "after-notify-hello");
  });

  it("rpc call of non-existent method", async () => {
    const r = await c.request({ jsonrpc: "2.0", method: "foobar", id: "1" });
    expect(r).toEqual(specError(-32601, "Method not found", "1"));
  });

  it("rpc call with invalid JSON", async () => {
    c.send('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]\n');
    expect(await c.next()).toEqual(specError(-32700, "Parse error", null));
  });

  it("rpc call with invalid Request object (no id, but not a valid notification either)", async () => {
    c.send('{"jsonrpc": "2.0", "method": 1, "params": "bar"}\n');
    expect(await c.next()).toEqual(specError(-32600, "Invalid Request", null));
  });

  it("rpc call Batch, invalid JSON", async () => {
    c.send('[\n  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},\n  {"jsonrpc": "2.0", "method"\n]'.replace(/\n/g, " ") + "\n");
    expect(await c.next()).toEqual(specError(-32700, "Parse error", null));
  });

  it("rpc call with an empty Array: one error object, not an array", async () => {
    c.send("[]\n");
    expect(await c.next()).toEqual(specError(-32600, "Invalid Request", null));
  });

  it("rpc call with an invalid Batch (but not empty)", async () => {
    c.send("[1]\n");
    expect(await c.next()).toEqual([specError(-32600, "Invalid Request", null)]);
  });

  it("rpc call with invalid Batch", async () => {
    c.send("[1,2,3]\n");
    expect(await c.next()).toEqual([1, 2, 3].map(() => specError(-32600, "Invalid Request", null)));
  });

  it("rpc call Batch: one response per request with an id, none for the notification", async () => {
    c.send(
      `[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
      ]`.replace(/\n/g, " ") + "\n",
    );
    const r = (await c.next()) as { id: unknown }[];
    // The specification lets the server answer a batch in any order; match by id.
    expect(r).toHaveLength(5);
    expect([...r].sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(
      [
        specError(-32601, "Method not found", "1"),
        specError(-32601, "Method not found", "2"),
        specError(-32601, "Method not found", "5"),
        specError(-32601, "Method not found", "9"),
        specError(-32600, "Invalid Request", null),
      ].sort((a, b) => String(a.id).localeCompare(String(b.id))),
    );
  });

  it("rpc call Batch (all notifications): nothing at all, not an empty array", async () => {
    await nothingBefore(
      '[ {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]} ]',
      "after-batch",
    );
  });
});

describe("the same rules with real methods", () => {
  it("named params succeed; positional params to a method that takes names get -32602 with the id", async () => {
    expect(await c.request({ jsonrpc: "2.0", method: "daemon.ping", params: { data: [42, 23] }, id: 20 })).toEqual({
      jsonrpc: "2.0",
      result: { pong: true, data: [42, 23] },
      id: 20,
    });
    const r = await c.request({ jsonrpc: "2.0", method: "daemon.ping", params: [42, 23], id: 21 });
    expect(r).toMatchObject({ jsonrpc: "2.0", id: 21, error: { code: -32602, data: { kind: "INVALID_ARGUMENT" } } });
    expect(r.error.message).toMatch(/invalid params/);
  });

  it("wrong param types give -32602 with kind INVALID_ARGUMENT naming the offending field", async () => {
    const r = await c.request({ jsonrpc: "2.0", method: "event.list", params: { since: "yesterday" }, id: 22 });
    expect(r).toMatchObject({ jsonrpc: "2.0", id: 22, error: { code: -32602, data: { kind: "INVALID_ARGUMENT" } } });
    expect(r.error.message).toContain("since");
  });

  it("a notification to a real method, failing or not, gets no reply", async () => {
    await nothingBefore('{"jsonrpc": "2.0", "method": "daemon.ping", "params": {"data": 1}}', "after-ping-note");
    await nothingBefore('{"jsonrpc": "2.0", "method": "daemon.ping", "params": [1, 2]}', "after-bad-ping-note");
    await nothingBefore('{"jsonrpc": "2.0", "method": "daemon.hello", "params": {"protocol_version": "99.0"}}', "after-bad-hello-note");
  });

  it("a batch mixing real calls, a failing call, unknown methods and notifications", async () => {
    c.send(
      JSON.stringify([
        { jsonrpc: "2.0", method: "daemon.ping", params: { data: "a" }, id: "a" },
        { jsonrpc: "2.0", method: "notify_hello", params: [7] },
        { jsonrpc: "2.0", method: "daemon.ping", params: [1] },
        { jsonrpc: "2.0", method: "daemon.hello", params: { protocol_version: "99.0", client: "conformance" }, id: "b" },
        { jsonrpc: "2.0", method: "subtract", params: [42, 23], id: "c" },
        { jsonrpc: "1.0", method: "daemon.ping", id: "d" },
      ]) + "\n",
    );
    const r = (await c.next()) as { id: string }[];
    const byId = new Map(r.map((x) => [x.id, x]));
    expect(r).toHaveLength(4);
    expect(byId.get("a")).toEqual({ jsonrpc: "2.0", result: { pong: true, data: "a" }, id: "a" });
    expect(byId.get("b")).toMatchObject({ id: "b", error: { code: -32009, data: { kind: "CONFLICT" } } });
    expect(byId.get("c")).toEqual(specError(-32601, "Method not found", "c"));
    // Section 5: the id is echoed when it could be read, even if the request is invalid.
    expect(byId.get("d")).toEqual(specError(-32600, "Invalid Request", "d"));
  });
});

describe("a JSON-RPC client someone else wrote (json-rpc-2.0's JSONRPCClient) over the real socket", () => {
  let socket: net.Socket;
  let client: JSONRPCClient;
  const frames: unknown[] = [];
  beforeAll(async () => {
    socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(d.paths.socket, () => resolve(s));
      s.once("error", reject);
    });
    client = new JSONRPCClient((payload) => void socket.write(JSON.stringify(payload) + "\n"));
    let buf = "";
    socket.on("data", (chunk) => {
      buf += chunk.toString("utf8");
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const frame = JSON.parse(buf.slice(0, nl)) as Parameters<JSONRPCClient["receive"]>[0];
        buf = buf.slice(nl + 1);
        frames.push(frame);
        client.receive(frame);
      }
    });
  });
  afterAll(() => socket?.destroy());

  it("calls real methods with named params and gets their results", async () => {
    const hello = await client.request("daemon.hello", { protocol_version: "1.0", client: "json-rpc-2.0" });
    expect(hello).toMatchObject({ protocol_version: expect.stringMatching(/^1\.\d+$/), connection_id: expect.any(Number) });
    expect(await client.request("daemon.ping", { data: { nested: [1, 2] } })).toEqual({ pong: true, data: { nested: [1, 2] } });
  });

  it("sees -32601 as an error for a method the daemon does not have", async () => {
    const err = await Promise.resolve(client.request("subtract", [42, 23])).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JSONRPCErrorException);
    expect((err as JSONRPCErrorException).code).toBe(-32601);
  });

  it("its notifications get no reply: the only frames that arrive answer its requests", async () => {
    const before = frames.length;
    client.notify("notify_hello", [7]);
    client.notify("update", [1, 2, 3, 4, 5]);
    client.notify("daemon.ping", [1]);
    expect(await client.request("daemon.ping", { data: "last" })).toEqual({ pong: true, data: "last" });
    expect(frames.slice(before)).toEqual([{ jsonrpc: "2.0", result: { pong: true, data: "last" }, id: expect.any(Number) }]);
  });

  it("a batch through requestAdvanced gets one response per request, none for its notification", async () => {
    const responses = await client.requestAdvanced([
      { jsonrpc: "2.0", method: "daemon.ping", params: { data: 1 }, id: 101 },
      { jsonrpc: "2.0", method: "notify_sum", params: [1, 2, 4] },
      { jsonrpc: "2.0", method: "get_data", id: 102 },
    ]);
    const byId = new Map(responses.map((x) => [x.id, x]));
    expect(responses).toHaveLength(2);
    expect(byId.get(101)).toEqual({ jsonrpc: "2.0", result: { pong: true, data: 1 }, id: 101 });
    expect(byId.get(102)).toMatchObject({ id: 102, error: { code: -32601 } });
  });
});
