import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(async () => {
  await d?.stop();
});

const ctl = (...args: string[]) => swarmctl(d.env, ["--no-autostart", ...args]);

describe("generated ticket ids", () => {
  it("start at t-1, are not taken by named tickets, and a refused submit neither names nor uses one", async () => {
    const refused = await ctl("ticket", "submit", "--title", "needs a ghost", "--depends-on", "nope");
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/dependency nope of the new ticket does not exist/);
    expect(refused.stderr).not.toMatch(/\bt-\d/);

    // What `swarmctl init`'s sample ticket file does: a ticket with its own id, made first.
    const c = await d.client();
    expect((await c.call("ticket.submit", { id: "example-hello", title: "from a file" })).ticket.id).toBe("example-hello");

    const first = await ctl("--json", "ticket", "submit", "--title", "first");
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as Ticket).id).toBe("t-1");
    const again = await ctl("ticket", "submit", "--title", "second", "--depends-on", "t-1", "--depends-on", "t-9");
    expect(again.stderr).toMatch(/dependency t-9 of the new ticket does not exist/);
    const second = await ctl("ticket", "submit", "--title", "second", "--depends-on", "t-1");
    expect(second.stdout).toMatch(/^t-2 {2}backlog {2}second/);
  });
});
