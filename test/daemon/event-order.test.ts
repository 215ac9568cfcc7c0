import { afterAll, describe, expect, it } from "vitest";
import { NOTIFICATIONS, type EventRecord } from "../../protocol/events.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon | undefined;
afterAll(async () => {
  await d?.stop();
});

describe("event subscription through a real daemon", () => {
  it("sees committed ticket events in order, and nothing of a workflow that was refused", async () => {
    d = await startDaemon();
    const seen: EventRecord[] = [];
    const sub = await d.client();
    sub.on(NOTIFICATIONS.event, (p) => seen.push((p as { event: EventRecord }).event));
    await sub.call("event.subscribe", { types: ["ticket.*", "user.*"] });
    const c = await d.client();

    // One transaction holding many events: three tickets, their promotions, the workflow record.
    await c.call("ticket.workflow_submit", {
      name: "w",
      tickets: [
        { key: "a", title: "a", id: "t-a" },
        { key: "b", title: "b", depends_on: ["a"] },
        { key: "c", title: "c", depends_on: ["a", "b"] },
      ],
    });
    // Refused inside its transaction after node x was written: y asks for the id ticket a has.
    await expect(
      c.call("ticket.workflow_submit", {
        tickets: [
          { key: "x", title: "x" },
          { key: "y", title: "y", depends_on: ["x"], id: "t-a" },
        ],
      }),
    ).rejects.toThrow(/ticket t-a already exists/);
    await c.call("event.publish", { type: "user.marker" });
    await waitFor("the marker", () => seen.some((e) => e.type === "user.marker"));

    const ids = seen.map((e) => e.id);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!); // strictly increasing
    const created = seen.filter((e) => e.type === "ticket.created").map((e) => (e.data as { title: string }).title);
    expect(created).toEqual(["a", "b", "c"]); // nothing of x: its transaction rolled back
    expect(seen.filter((e) => e.type === "ticket.workflow_submitted")).toHaveLength(1);
    expect(seen.at(-1)!.type).toBe("user.marker");
    // What the subscription heard is exactly what the log holds of those types: no gap, no extra.
    const logged = await c.call<{ events: EventRecord[] }>("event.list", { since: ids[0]! - 1, types: ["ticket.*", "user.*"] });
    expect(logged.events.map((e) => e.id)).toEqual(ids);
  });
});
