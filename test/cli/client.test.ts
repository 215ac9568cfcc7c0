import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDaemon, deadlineKind, DEFAULT_DEADLINES_MS, followEvents, resolveDeadlines, RpcClient, type ResultFor } from "../../client/index.js";
import { ERROR_KINDS } from "../../protocol/errors.js";
import type { EventRecord } from "../../protocol/events.js";
import { daemonStatus } from "../../protocol/methods/daemon.js";
import { ROOT, SWARMCTL, startDaemon, swarmctl, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(async () => {
  await d?.stop();
});

/** A client that has not learnt the daemon's limits (as with an older daemon): oversized frames reach the daemon. */
async function clientWithoutLimits(): Promise<RpcClient> {
  const c = await d.client();
  c.limits = {};
  return c;
}

describe("client: typed calls", () => {
  it("params and results are typed from the method table, by constant or by name", async () => {
    const c = await d.client();
    const st = await c.call(daemonStatus);
    const pid: number = st.pid; // a typed result: assigning it to a number compiles
    expect(pid).toBe(d.proc.pid);
    const listed: ResultFor<"ticket.list"> = await c.call("ticket.list", { limit: 5 });
    expect(Array.isArray(listed.tickets)).toBe(true);
    // Never run: each line must fail to compile (tsc -p tsconfig.test.json checks it).
    const wrongShapes = () => [
      // @ts-expect-error limit is a number, not a string
      c.call("ticket.list", { limit: "5" }),
      // @ts-expect-error ticket.get needs an id
      c.call("ticket.get", {}),
      // @ts-expect-error daemon.status takes no `bogus` param
      c.call(daemonStatus, { bogus: 1 }),
    ];
    expect(typeof wrongShapes).toBe("function");
  });
});

describe("cli: flags checked with the protocol's schemas", () => {
  it("a wrong --net is refused before sending, with the words the daemon uses for the same value", async () => {
    // No daemon on this home and no autostart: only a CLI-side check can answer INVALID_ARGUMENT.
    const r = await swarmctl(tempHome().env, ["--no-autostart", "env", "create", "n1", "--repo", ROOT, "--net", "bogus"]);
    expect(r.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    const daemonSide = await errOf((await d.client()).call("env.create", { name: "n1", repo: ROOT, net: "bogus" as "none" }));
    const issue = (daemonSide.details as { issues: { path: string; message: string }[] }).issues[0]!;
    expect(issue.path).toBe("net");
    expect(r.stderr).toBe(`error: invalid net: ${issue.message}\n`);
  });

  it("--timeout takes a duration; a malformed one is refused naming the flag", async () => {
    const r = await swarmctl(d.env, ["--timeout", "soon", "ticket", "list"]);
    expect(r.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(r.stderr).toMatch(/--timeout must be a duration like 500ms, 10s, 5m or 1h, got "soon"/);
    expect(deadlineKind("env.create")).toBe("long");
    expect(deadlineKind("ticket.list")).toBe("quick");
    expect(resolveDeadlines({ SWARM_RPC_TIMEOUT: "3s" })).toEqual({ quick: 3000, long: DEFAULT_DEADLINES_MS.long });
  });
});

describe("client: start-up cost", () => {
  it("`daemon status` and `ticket list` load no zod (about 60 ms): the client's types are type-only imports", () => {
    // A resolve hook prints every module URL the command loads.
    const hook = `export async function resolve(s, c, next) { const r = await next(s, c); process._rawDebug(r.url); return r; }`;
    const reg = `import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));`;
    for (const cmd of [
      ["daemon", "status"],
      ["ticket", "list"],
    ]) {
      const r = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(reg)}`, SWARMCTL, ...cmd], {
        env: d.env,
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain("/dist/client/connection.js");
      expect(r.stderr).not.toContain("node_modules/zod");
    }
  });
});

describe("client: never hangs", () => {
  it("a 4 MB --body-file returns at once with the frame error, before anything is sent", async () => {
    const file = path.join(d.home, "big.md");
    fs.writeFileSync(file, "x".repeat(4 * 1024 * 1024));
    const t0 = Date.now();
    const r = await swarmctl(d.env, ["ticket", "submit", "--title", "big", "--body-file", file], { timeoutMs: 20_000 });
    expect(r.code).toBe(ERROR_KINDS.RESOURCE_EXHAUSTED.exitCode);
    expect(r.stderr).toMatch(/request ticket\.submit of \d+ bytes exceeds rpc\.max_frame_bytes \(1048576\)/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("the daemon's id:null frame error fails the pending call it belongs to; other calls carry on", async () => {
    const c = await clientWithoutLimits();
    const big = c.call("ticket.submit", { title: "big", body: "x".repeat(4 * 1024 * 1024) });
    const ping = c.call("daemon.ping", { data: "still here" });
    const err = await errOf(big);
    expect(err.kind).toBe("RESOURCE_EXHAUSTED");
    expect(err.message).toMatch(/^ticket\.submit: frame of \d+ bytes exceeds the limit of 1048576 bytes/);
    expect((await ping).data).toBe("still here");
  });

  it("a body over tickets.max_body_bytes is refused CLI-side with the daemon's own words", async () => {
    const file = path.join(d.home, "medium.md");
    fs.writeFileSync(file, "y".repeat(300 * 1024));
    const r = await swarmctl(d.env, ["ticket", "submit", "--title", "medium", "--body-file", file]);
    expect(r.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    const daemonSide = await errOf((await clientWithoutLimits()).call("ticket.submit", { title: "medium", body: "y".repeat(300 * 1024) }));
    expect(r.stderr).toContain(`error: ${daemonSide.message}\n`);
    expect(daemonSide.message).toBe("ticket body is 307200 bytes; the limit is 262144 (tickets.max_body_bytes)");
  });

  it("with the daemon stopped (SIGSTOP), `ticket list --timeout 2s` exits with TIMEOUT within seconds", async () => {
    process.kill(d.proc.pid!, "SIGSTOP");
    try {
      const t0 = Date.now();
      const r = await swarmctl(d.env, ["ticket", "list", "--timeout", "2s"], { timeoutMs: 20_000 });
      const took = Date.now() - t0;
      expect(r.code).toBe(ERROR_KINDS.TIMEOUT.exitCode);
      expect(r.stderr).toMatch(/no answer from swarmd within 2s/);
      expect(r.stderr).toMatch(/hint: .*--timeout/);
      expect(took).toBeGreaterThanOrEqual(2000);
      expect(took).toBeLessThan(12_000);
    } finally {
      process.kill(d.proc.pid!, "SIGCONT");
    }
    expect((await swarmctl(d.env, ["ticket", "list", "--timeout", "10s"])).code).toBe(0);
  });

  it("a per-call deadline fails that call with TIMEOUT naming the method and the deadline", async () => {
    const c = await d.client();
    const err = await errOf(c.call("test.sleep", { ms: 3000 }, { timeoutMs: 200 }));
    expect(err.kind).toBe("TIMEOUT");
    expect(err.message).toBe("test.sleep: no answer from swarmd within 200ms");
    expect(err.details).toMatchObject({ method: "test.sleep", timeout_ms: 200 });
  });

  it("an AbortSignal cancels a pending call at once; the connection stays usable", async () => {
    const c = await d.client();
    const ac = new AbortController();
    const t0 = Date.now();
    const slow = c.call("test.sleep", { ms: 5000 }, { signal: ac.signal });
    setImmediate(() => ac.abort(new Error("user pressed q")));
    await expect(slow).rejects.toThrow("user pressed q");
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(c.call("test.sleep", { ms: 1 }, { signal: AbortSignal.abort(new Error("already")) })).rejects.toThrow("already");
    expect((await c.call("daemon.ping", { data: 1 })).pong).toBe(true);
  });
});

describe("client: event resume", () => {
  it("followEvents resumes across a SIGKILL + restart with no gap and no duplicate", async () => {
    const publish = async (c: RpcClient, n: number, tag: string) => {
      for (let i = 0; i < n; i++) await c.call("event.publish", { type: "user.resume", data: { tag, i } });
    };
    const got: EventRecord[] = [];
    const ac = new AbortController();
    let daemon = d;
    const follow = followEvents({
      open: () => connectDaemon(daemon.paths, { autostart: false, clientName: "follower" }),
      types: ["user.resume"],
      onEvent: (ev) => got.push(ev),
      retryMs: 1000,
      signal: ac.signal,
    });
    try {
      const a = await d.client();
      await publish(a, 5, "before");
      await waitFor("5 events before the kill", () => got.length === 5);
      await d.kill();
      daemon = d = await d.restart();
      // Published before the follower's retry: they can only reach it through `since` replay.
      await publish(await d.client(), 5, "while away");
      await waitFor("the replayed events", () => got.length >= 10, 20_000);
      await publish(await d.client(), 3, "after");
      await waitFor("live events after the resume", () => got.length >= 13, 20_000);
    } finally {
      ac.abort();
      await follow;
    }
    const all = (await (await d.client()).call("event.list", { since: 0, types: ["user.resume"] })).events;
    expect(got.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(got.map((e) => e.data.tag)).toEqual([...Array(5).fill("before"), ...Array(5).fill("while away"), ...Array(3).fill("after")]);
  });
});
