import { afterAll, describe, expect, it } from "vitest";
import { NOTIFICATIONS, type EventRecord } from "../../protocol/events.js";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon | undefined;
afterAll(async () => {
  await d?.stop();
});

function collect(c: RpcClient, into: EventRecord[]): void {
  c.on(NOTIFICATIONS.event, (p) => into.push((p as { event: EventRecord }).event));
}

describe("event stream resume", () => {
  it("resuming from the last id seen has no gap and no duplicate, across reconnects and a daemon restart", async () => {
    d = await startDaemon();
    const seen: EventRecord[] = [];
    const writer = await d.client();
    let c = await d.client();
    collect(c, seen);
    await c.call("event.subscribe", { since: 0, types: ["user.*"] });
    const publish = async (n: number, tag: string) => {
      for (let i = 0; i < n; i++) await writer.call("event.publish", { type: "user.seq", data: { tag, i } });
    };
    await publish(50, "a");
    await waitFor("first 50", () => seen.length >= 50);
    // Disconnect, publish while away, reconnect from the last id seen.
    c.close();
    const last = seen[seen.length - 1]!.id;
    await publish(30, "b");
    c = await d.client();
    collect(c, seen);
    await c.call("event.subscribe", { since: last, types: ["user.*"] });
    await publish(20, "c");
    await waitFor("100 events", () => seen.length >= 100);

    // Restart the daemon (SIGKILL), publish more, resume again.
    const last2 = seen[seen.length - 1]!.id;
    await d.kill();
    d = await d.restart();
    const w2 = await d.client();
    for (let i = 0; i < 10; i++) await w2.call("event.publish", { type: "user.seq", data: { tag: "d", i } });
    c = await d.client();
    collect(c, seen);
    await c.call("event.subscribe", { since: last2, types: ["user.*"] });
    await waitFor("110 events", () => seen.length >= 110);

    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length); // no duplicate
    expect([...ids].sort((a, b) => a - b)).toEqual(ids); // in order
    const tags = seen.map((e) => `${(e.data as { tag: string }).tag}${(e.data as { i: number }).i}`);
    const expected = [
      ...Array.from({ length: 50 }, (_, i) => `a${i}`),
      ...Array.from({ length: 30 }, (_, i) => `b${i}`),
      ...Array.from({ length: 20 }, (_, i) => `c${i}`),
      ...Array.from({ length: 10 }, (_, i) => `d${i}`),
    ];
    expect(tags).toEqual(expected); // no gap
    for (const e of seen) expect(e.schema_version).toBe(1);
  });

  it("a slow reader gets every event once (catch-up from the database, bounded memory)", async () => {
    d ??= await startDaemon();
    const writer = await d.client();
    const c = await d.client();
    const seen: EventRecord[] = [];
    collect(c, seen);
    const { last_id } = await c.call<{ last_id: number }>("event.subscribe", { types: ["user.bulk"] });
    const big = "y".repeat(20_000);
    await Promise.all(Array.from({ length: 400 }, (_, i) => writer.call("event.publish", { type: "user.bulk", data: { i, big } })));
    await waitFor("400 bulk events", () => seen.length >= 400, 20_000);
    expect(seen.length).toBe(400);
    expect(seen.every((e) => e.id > last_id)).toBe(true);
    expect(new Set(seen.map((e) => (e.data as { i: number }).i)).size).toBe(400);
  });
});
