import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { connectDaemon } from "../../client/index.js";
import type { Thread } from "../../protocol/thread/model.js";
import { startDaemon, tempHome, type TestDaemon } from "../helpers/daemon.js";
import { mintAgent, type PostResult, rpc } from "./helpers.js";

let d: TestDaemon | undefined;
afterAll(async () => {
  await d?.stop();
});

describe("SIGKILL mid-burst of posts", () => {
  it("every acknowledged post is there after restart and seq has no gap", async () => {
    const home = tempHome();
    d = await startDaemon({ home, config: { threads: { rate_limit: { messages_per_minute: 100000, burst: 100000 } } } });
    const c0 = await d.client();
    const writers = ["k0", "k1", "k2", "k3"];
    const t = (await rpc<{ thread: Thread }>(c0, "thread.create", { title: "crash", participants: writers.map((agent_id) => ({ agent_id })) })).thread;
    const acked: { seq: number; body: string }[] = [];
    let killed = false;
    const writer = async (w: string) => {
      const c = await connectDaemon(home.paths, { autostart: false });
      const a = await mintAgent(c, w);
      try {
        for (let i = 0; !killed; i++) {
          const body = `${w}-${i}`;
          try {
            acked.push({ seq: (await a.call<PostResult>("thread.post", { id: t.id, body, progress: true })).message.seq, body });
          } catch {
            return; // the daemon died under this call: unacknowledged, may or may not be stored
          }
        }
      } finally {
        c.close();
      }
    };
    const running = writers.map(writer);
    const deadline = Date.now() + 20_000;
    while (acked.length < 300 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    await d.kill();
    killed = true;
    await Promise.all(running);
    expect(acked.length).toBeGreaterThanOrEqual(300);

    d = await d.restart();
    const c = await d.client();
    const read = await rpc<{ messages: { seq: number; body: string }[]; last_seq: number }>(c, "thread.read", { id: t.id, limit: 10000 });
    const bySeq = new Map(read.messages.map((m) => [m.seq, m.body]));
    expect(acked.filter((a) => bySeq.get(a.seq) !== a.body)).toEqual([]);
    expect(read.messages.map((m) => m.seq)).toEqual(Array.from({ length: read.last_seq }, (_, i) => i + 1));
    const db = new Database(home.paths.database, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    expect((await rpc<{ ok: boolean }>(c, "audit.verify")).ok).toBe(true);
  });
});
