import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";

/**
 * `swarmctl coordinator status` and `ticket show` say why the queue is not moving, each
 * reason reached for real: no daemon runner for the kind, caps full, breaker open, host
 * busy, backoff, dependencies and approval. The daemon runs no agents here (an external
 * worker claims through the socket); `min_free_mem_mb` is toggled to make the host "busy".
 */
describe("why the queue is not moving", () => {
  let d: TestDaemon;
  let c: RpcClient;
  const ctl = (...args: string[]) => swarmctl(d.env, ["--no-autostart", ...args]);
  const status = async () => JSON.parse((await ctl("--json", "coordinator", "status")).stdout);
  const why = async (id: string) => ((await c.call("coordinator.why", { id })) as { waiting: string | null }).waiting;
  beforeAll(async () => {
    d = await startDaemon({
      config: {
        coordinator: {
          max_concurrent: 1,
          breaker_failures: 1,
          breaker_cooldown_ms: 600_000,
          backoff_base_ms: 600_000,
          max_load_per_cpu: 0,
          min_free_mem_mb: 0,
        },
      },
    });
    c = await d.client();
  });
  afterAll(async () => {
    await d?.stop();
  });

  it("names each reason, with the key or command that moves it", async () => {
    await c.call("ticket.submit", { id: "a1", title: "a1", agent_kind: "claude" });
    const s = await status();
    expect(s.agent_kinds).toEqual([]);
    expect(s.queue).toEqual([expect.objectContaining({ agent_kind: "claude", workspace: "default", ready: 1 })]);
    expect(s.queue[0].reason).toMatch(/^no agent kind configured for kind claude: .*coordinator\.agent_kinds is \[\]/);
    expect(await why("a1")).toMatch(/^no agent kind configured for kind claude/);
    const text = await ctl("coordinator", "status");
    expect(text.stdout).toContain("agents     none (coordinator.agent_kinds is []: run `swarmctl init` in your repository)");
    expect(text.stdout).toContain("1 ready of kind claude in workspace default: no agent kind configured for kind claude");
    const show = await ctl("ticket", "show", "a1");
    expect(show.stdout).toMatch(/\nwaiting {4}no agent kind configured for kind claude/);
    expect(JSON.parse((await ctl("--json", "ticket", "show", "a1")).stdout).waiting).toMatch(/^no agent kind configured/);

    // an agent kind configured, but no repository for it
    await c.call("config.set", { key: "coordinator.command", value: ["true"] });
    await c.call("config.set", { key: "coordinator.command_kinds", value: ["nothing-here"] });
    // caps: an external worker holds the only slot
    await c.call("ticket.submit", { id: "b1", title: "b1", agent_kind: "ext" });
    await c.call("ticket.submit", { id: "b2", title: "b2", agent_kind: "ext", depends_on: ["b1"] });
    const lease = (await c.call("ticket.claim", { worker: "w1", agent_kind: "ext" })) as { lease: { ticket: { id: string }; lease: string } };
    expect(lease.lease.ticket.id).toBe("b1");
    expect(await why("a1")).toMatch(/^no agent kind configured/); // still the first thing in its way
    await c.call("ticket.submit", { id: "c1", title: "c1", agent_kind: "nothing-here" });
    expect(await why("c1")).toBe("caps full: 1 of 1 slots leased (coordinator.max_concurrent)");
    expect(await why("b2")).toBe("waiting for dependencies: b1 (claimed)");
    // c1 goes, or the daemon's runner would take the slot b1 frees below (the breaker must be all that stops b3)
    await c.call("ticket.cancel", { id: "c1", reason: "seen caps full" });

    // breaker: one failure of kind ext opens it; the failed ticket waits for its backoff
    await c.call("ticket.fail", { id: "b1", lease: lease.lease.lease, error: "boom" });
    expect(await why("b1")).toMatch(/^waiting for its retry backoff until \d{4}-/);
    await c.call("ticket.submit", { id: "b3", title: "b3", agent_kind: "ext" });
    await c.call("config.set", { key: "coordinator.command_kinds", value: ["nothing-here", "ext"] });
    expect(await why("b3")).toMatch(/^breaker open for kind ext after repeated failures, until \d{4}-/);
    expect((await status()).queue.find((q: { agent_kind: string }) => q.agent_kind === "ext").backing_off).toBe(1);

    // host admission
    await c.call("config.set", { key: "coordinator.min_free_mem_mb", value: 100_000_000 });
    const busy = await status();
    expect(busy.host.ok).toBe(false);
    await c.call("ticket.submit", { id: "h1", title: "h1", agent_kind: "nothing-here" });
    expect(await why("h1")).toMatch(/^host busy: host has \d+ MiB free, below coordinator\.min_free_mem_mb 100000000$/);
    await c.call("config.set", { key: "coordinator.min_free_mem_mb", value: 0 });
  });

  it("a ticket in review waits for its approval, named with the command to see it", async () => {
    await c.call("ticket.submit", { id: "r1", title: "r1", agent_kind: "rev", requires_approval: true });
    await c.call("config.set", { key: "coordinator.max_concurrent", value: 10 });
    const l = (await c.call("ticket.claim", { worker: "w2", agent_kind: "rev" })) as { lease: { lease: string } };
    await c.call("ticket.complete", { id: "r1", lease: l.lease.lease, result: { ok: true } });
    const s = await status();
    expect(s.awaiting_approval).toEqual([{ ticket: "r1", approval: expect.stringMatching(/^ap-\d+$/) }]);
    const ap = s.awaiting_approval[0].approval as string;
    expect(await why("r1")).toBe(`waiting for approval ${ap}: swarmctl approval show ${ap}`);
    expect((await ctl("coordinator", "status")).stdout).toContain(`r1 waiting for approval ${ap}: swarmctl approval show ${ap}`);
  });
});
