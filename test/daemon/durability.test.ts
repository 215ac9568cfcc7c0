import { afterAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { startDaemon, tempHome, type TestDaemon } from "../helpers/daemon.js";
import { connectDaemon } from "../../client/index.js";

let d: TestDaemon | undefined;
afterAll(async () => {
  await d?.stop();
});

describe("SIGKILL while clients write", () => {
  it("every acknowledged write is there after restart", async () => {
    const home = tempHome();
    d = await startDaemon({ home });
    const acked: number[] = [];
    const writers = 4;
    let killed = false;
    const writer = async (w: number) => {
      const c = await connectDaemon(home.paths, { autostart: false });
      try {
        for (let i = 0; !killed; i++) {
          try {
            const r = await c.call<{ id: number }>("event.publish", { type: "user.write", subject: `w${w}`, data: { w, i } });
            acked.push(r.id);
          } catch {
            return; // connection died with the daemon: unacknowledged, may or may not be stored
          }
        }
      } finally {
        c.close();
      }
    };
    const running = Array.from({ length: writers }, (_, w) => writer(w));
    // Kill once a good number of writes were acknowledged, while writers are mid-flight.
    const deadline = Date.now() + 20_000;
    while (acked.length < 400 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    await d.kill();
    killed = true;
    await Promise.all(running);
    expect(acked.length).toBeGreaterThanOrEqual(400);

    d = await d.restart();
    const c = await d.client();
    const ids = new Set<number>();
    let since = 0;
    for (;;) {
      const page = await c.call<{ events: { id: number; type: string }[] }>("event.list", { since, limit: 10000, types: ["user.write"] });
      if (page.events.length === 0) break;
      for (const e of page.events) ids.add(e.id);
      since = page.events[page.events.length - 1]!.id;
    }
    const missing = acked.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    // The database is consistent after the crash.
    const db = new Database(home.paths.database, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  });
});
