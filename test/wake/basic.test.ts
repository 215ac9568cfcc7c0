import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { ack, auditOf, logLines, post, startFakeAgent, tempLog, thread, waitWake, wakeConfig } from "./helpers.js";

describe("wake: an idle agent with unread messages", () => {
  let d: TestDaemon;
  let c: RpcClient;
  beforeAll(async () => {
    d = await startDaemon({ config: wakeConfig() });
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("gets a pointer typed in when a message is posted, and the wake is acked when its cursor moves", async () => {
    const log = tempLog();
    await startFakeAgent(c, "rev", log);
    const th = await thread(c, ["exec", "rev"]);
    await post(c, th, "exec", "please review the diff");
    const injected = await waitFor("the trigger in the agent's log", () => logLines(log).find((l) => l.includes(th)));
    expect(injected).toMatch(new RegExp(`^1 unread in thread ${th} from exec — call read_messages, then ack_read \\(wake w-\\d+\\)$`));
    const pending = await waitWake(c, "a wake waiting for its ack", (w) => w.thread === th && w.phase === "ack_wait");
    expect(pending.outcome).toBeNull();
    await ack(c, th, "rev");
    const w = await waitWake(c, "the wake acked", (x) => x.id === pending.id && x.outcome === "acked");
    expect(w.target).toBe("rev");
    expect(w.attempts).toBe(1);
    expect(w.steps.map((s) => s.name)).toEqual(["created", "inject", "ack_wait", "ack"]);
    expect(w.steps.at(-1)?.reason).toBe("cursor_moved");
    const audit = await auditOf(c, w.id);
    expect(audit.map((a) => a.action)).toEqual(["wake.created", "wake.inject", "wake.ack_wait", "wake.ack"]);
    expect(audit.every((a) => a.actor === "wake")).toBe(true);
    // the author is not woken: it wrote the message
    expect((await c.call("wake.list", { thread: th })).wakes.filter((x) => x.participant === "exec")).toEqual([]);
  });
});
