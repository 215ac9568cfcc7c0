import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Lease } from "../../protocol/methods/coordinator.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, swarmctl, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";

/**
 * The coordinator inside a real daemon: external workers over the socket, and the daemon's
 * own command runner (a shell script per ticket) with bundles, retries, timeout and cancel.
 */
const SCRIPT = `#!/bin/sh
ticket=$(cat)
case "$ticket" in
  *'"title":"fail-always"'*) echo "nope" >&2; exit 3 ;;
  *'"title":"hang"'*) echo $$ > "$PWD/pid"; exec sleep 600 ;;
esac
printf 'built %s\\n' "$SWARM_TICKET_ID" > "$SWARM_RESULT_DIR/out.txt"
mkdir -p "$SWARM_RESULT_DIR/sub" && echo nested > "$SWARM_RESULT_DIR/sub/n.txt"
`;

let d: TestDaemon;
let c: RpcClient;
let home: ReturnType<typeof tempHome>;

async function submit(title: string, extra: Record<string, unknown> = {}): Promise<Ticket> {
  return (await c.call<{ ticket: Ticket }>("ticket.submit", { title, ...extra })).ticket;
}
const get = (id: string) => c.call<Ticket>("ticket.get", { id });

beforeAll(async () => {
  home = tempHome();
  const script = path.join(home.home, "work.sh");
  fs.writeFileSync(script, SCRIPT, { mode: 0o755 });
  fs.writeFileSync(
    home.paths.configFile,
    JSON.stringify({
      coordinator: {
        command: [script],
        max_concurrent: 3,
        per_kind: { external: 1 },
        lease_ms: 2000,
        heartbeat_ms: 100,
        sweep_ms: 50,
        max_attempts: 2,
        backoff_base_ms: 50,
        breaker_failures: 3,
        breaker_cooldown_ms: 1500,
        min_free_mem_mb: 0,
        max_load_per_cpu: 0,
      },
    }),
  );
  d = await startDaemon({ home });
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
});

describe("coordinator in the daemon", () => {
  it("runs the configured command per ticket and writes a bundle that swarmctl verify accepts", async () => {
    const t = await submit("build-it");
    const done = await waitFor("ticket done", async () => ((await get(t.id)).state === "done" ? get(t.id) : null), 15_000);
    expect(done.attempts).toBe(1);
    const b = await c.call<{ path: string; key_id: string }>("bundle.get", { id: t.id });
    expect(fs.existsSync(b.path)).toBe(true);
    const v = await swarmctl(d.env, ["--json", "verify", b.path]);
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout) as { ok: boolean; files: number; certificate: { ticket_id: string; agent: string; checks_passed: string[] } };
    expect(report.ok).toBe(true);
    expect(report.files).toBe(3); // output/out.txt, output/sub/n.txt, result.json
    expect(report.certificate.ticket_id).toBe(t.id);
    expect(report.certificate.agent).toBe("command");
    expect(report.certificate.checks_passed).toEqual(["exit-status"]);
    const dest = path.join(home.home, "extract");
    const x = await swarmctl(d.env, ["verify", b.path, "--extract", dest]);
    expect(x.code).toBe(0);
    expect(fs.readFileSync(path.join(dest, "output/out.txt"), "utf8")).toBe(`built ${t.id}\n`);
  });

  it("retries a failing command with backoff, then fails it with the command's stderr", async () => {
    const t = await submit("fail-always");
    const failed = await waitFor(
      "ticket failed",
      async () => {
        const x = await get(t.id);
        return x.state === "failed" ? x : null;
      },
      15_000,
    );
    expect(failed.attempts).toBe(2);
    expect(failed.state_reason).toMatch(/gave up after 2\/2 attempts: exit code 3; stderr: nope/);
  });

  it("repeated failures open the circuit breaker of the kind, visible in coordinator.status", async () => {
    // Two earlier failures of kind "command" (the fail-always test) plus these; breaker_failures is 3.
    const t = await submit("fail-always", { max_attempts: 1 });
    await waitFor("failed", async () => (await get(t.id)).state === "failed", 15_000);
    await waitFor("breaker open", async () => {
      const s = await c.call<{ breakers: { agent_kind: string; state: string }[] }>("coordinator.status", {});
      return s.breakers.some((b) => b.agent_kind === "command" && b.state === "open");
    });
    const held = await submit("build-while-open");
    const r = await c.call<{ lease: Lease | null; reason: string }>("ticket.claim", { worker: "x", agent_kind: "command" });
    expect(r.lease).toBeNull();
    expect(r.reason).toMatch(/command: circuit breaker open/);
    // After the cool-down one probe goes through; its success closes the breaker.
    await waitFor("probe ran and closed the breaker", async () => (await get(held.id)).state === "done", 15_000);
    const after = await c.call<{ breakers: { agent_kind: string; state: string }[] }>("coordinator.status", {});
    expect(after.breakers.find((b) => b.agent_kind === "command")?.state).toBe("closed");
  });

  it("cancel stops the running command and keeps its directory", async () => {
    const t = await submit("hang");
    await waitFor("command running", async () => {
      const s = await c.call<{ running_locally: string[] }>("coordinator.status", {});
      return s.running_locally.includes(t.id) && (await get(t.id)).state === "running";
    });
    const runDir = await waitFor("run dir with pid", () =>
      fs
        .readdirSync("/tmp")
        .map((n) => path.join("/tmp", n))
        .find((p) => p.includes(`swarm-run-${t.id}-`) && fs.existsSync(path.join(p, "pid"))),
    );
    const pid = Number(fs.readFileSync(path.join(runDir, "pid"), "utf8"));
    await c.call("ticket.cancel", { id: t.id, reason: "test" });
    await waitFor("process gone", () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    expect((await get(t.id)).state).toBe("cancelled");
    expect(fs.existsSync(runDir)).toBe(true);
    await waitFor("runner forgot it", async () => !(await c.call<{ running_locally: string[] }>("coordinator.status", {})).running_locally.includes(t.id));
  });

  it("external workers: claim by kind, per-kind cap, stale completion refused, bad lease refused", async () => {
    const a = await submit("ext-a", { agent_kind: "external", priority: 100 });
    const b = await submit("ext-b", { agent_kind: "external", priority: 100 });
    const r1 = await c.call<{ lease: Lease | null; reason: string | null }>("ticket.claim", { worker: "ext1", agent_kind: "external", lease_ms: 300 });
    expect(r1.lease?.ticket.id).toBe(a.id);
    const r2 = await c.call<{ lease: Lease | null; reason: string | null }>("ticket.claim", { worker: "ext2", agent_kind: "external" });
    expect(r2.lease).toBeNull();
    expect(r2.reason).toMatch(/external: 1 leased/);
    // ext1 goes silent: its lease expires, the ticket comes back with attempts counted.
    const back = await waitFor("lease expired", async () => {
      const x = await get(a.id);
      return x.state === "ready" ? x : null;
    });
    expect(back.attempts).toBe(1);
    const r3 = await waitFor("re-claim", async () => (await c.call<{ lease: Lease | null }>("ticket.claim", { worker: "ext2", agent_kind: "external" })).lease);
    expect([a.id, b.id]).toContain(r3.ticket.id);
    const late = await c
      .call<unknown>("ticket.complete", { id: a.id, lease: r1.lease!.lease, result: "late" })
      .catch((e: { kind: string; message: string }) => e);
    expect((late as { kind: string }).kind).toBe("CONFLICT");
    expect((late as Error).message).toMatch(/stale lease/);
    const ok = await c.call<{ ticket: Ticket; bundle: string }>("ticket.complete", {
      id: r3.ticket.id,
      lease: r3.lease,
      result: { fine: true },
      checks_passed: ["unit"],
    });
    expect(ok.ticket.state).toBe("done");
    expect(fs.existsSync(ok.bundle)).toBe(true);
    const bad = await c.call("ticket.heartbeat", { id: b.id, lease: "forged" }).catch((e: { kind: string }) => e);
    expect((bad as { kind: string }).kind).toMatch(/CONFLICT/);
    const badParams = await c.call("ticket.claim", { worker: "../x" }).catch((e: { kind: string; message: string }) => e);
    expect((badParams as { kind: string }).kind).toBe("INVALID_ARGUMENT");
    const other = r3.ticket.id === a.id ? b.id : a.id;
    const missing = await c.call("bundle.get", { id: other }).catch((e: { kind: string; message: string }) => e);
    expect((missing as { message: string }).message).toMatch(/has no result bundle|not found|no ticket/);
  });

  it("long-poll claims wait for a ticket instead of polling, and time out with a reason", async () => {
    const t0 = Date.now();
    const empty = await c.call<{ lease: Lease | null; reason: string }>("ticket.claim", { worker: "lp", agent_kind: "lp", wait_ms: 200 });
    expect(empty.lease).toBeNull();
    expect(empty.reason).toMatch(/no ready ticket of kind lp/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    const waiting = c.call<{ lease: Lease | null }>("ticket.claim", { worker: "lp", agent_kind: "lp", wait_ms: 10_000 });
    const submitted = await submit("lp-job", { agent_kind: "lp" });
    const got = await waiting;
    expect(got.lease?.ticket.id).toBe(submitted.id);
    expect(Date.now() - t0).toBeLessThan(5000);
    await c.call("ticket.complete", { id: submitted.id, lease: got.lease!.lease, result: null });
  });

  it("bundles are deterministic: a deleted bundle is rebuilt byte-identical at restart", async () => {
    const t = await submit("rebuild-me");
    await waitFor("done", async () => (await get(t.id)).state === "done", 15_000);
    const b = await c.call<{ path: string }>("bundle.get", { id: t.id });
    await waitFor("bundle file", () => fs.existsSync(b.path));
    const before = fs.readFileSync(b.path);
    fs.rmSync(b.path);
    await d.kill();
    d = await d.restart();
    c = await d.client();
    await waitFor("bundle rebuilt", () => fs.existsSync(b.path));
    expect(Buffer.compare(fs.readFileSync(b.path), before)).toBe(0);
  });
});
