import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RpcClient } from "../../client/index.js";
import type { Wake } from "../../protocol/methods/wake.js";
import { FAKE_AGENT_RULES } from "../fixtures/fake-agent-rules.js";
import { waitFor } from "../helpers/daemon.js";
import { FAKE_AGENT } from "../runtime/runtime-helpers.js";

/** Wake thresholds tuned down so a test runs in seconds (the same keys a user sets). */
export function wakeConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    secrets: { keyring: false },
    // the stand-in agent CLIs here start no MCP server: nothing to wait for (bridge-wait.test.ts covers the wait)
    runtime: { enter_delay_ms: 20, confirm_timeout_ms: 3000, state_debounce_ms: 10, state_poll_ms: 100, bridge_wait_ms: 0 },
    wake: {
      quiet_window_ms: 300,
      recheck_ms: 50,
      max_defer_ms: 5000,
      ack_timeout_ms: 3000,
      retries: 1,
      retry_backoff_ms: 100,
      rate_limit: { per_minute: 100000, burst: 1000 },
      ...over,
    },
  };
}

export function tempLog(prefix = "wake-log-"): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), "agent.log");
}

export function logLines(file: string): string[] {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** A fake agent in a PTY holder whose received lines go to `log`. */
export async function startFakeAgent(c: RpcClient, name: string, log: string, extra: string[] = []): Promise<void> {
  await c.call("runtime.start", {
    name,
    command: [process.execPath, FAKE_AGENT, "--work-ms", "20", "--log", log, ...extra],
    agent: "custom",
    detector: FAKE_AGENT_RULES,
  });
  await waitFor(`${name} idle`, async () => (await c.call("runtime.show", { name })).state === "idle");
}

export async function thread(c: RpcClient, participants: string[], title = "wake test"): Promise<string> {
  const r = await c.call("thread.create", { title, participants: participants.map((agent_id) => ({ agent_id, role: "participant" })) });
  return r.thread.id;
}

export async function post(c: RpcClient, id: string, as: string, body: string): Promise<number> {
  return (await c.call("thread.post", { id, as, body })).message.seq;
}

export const ack = (c: RpcClient, id: string, as: string) => c.call("thread.ack", { id, as });

export async function wakesOf(c: RpcClient, f: { target?: string; thread?: string } = {}): Promise<Wake[]> {
  return (await c.call("wake.list", { ...f, limit: 10000 })).wakes;
}

export async function waitWake(
  c: RpcClient,
  what: string,
  pred: (w: Wake) => boolean,
  f: { target?: string; thread?: string } = {},
  ms = 15_000,
): Promise<Wake> {
  return waitFor(what, async () => (await wakesOf(c, f)).find(pred) ?? null, ms, 20);
}

export async function auditOf(c: RpcClient, wakeId: string): Promise<{ action: string; reason: string | null; actor: string }[]> {
  const out: { action: string; reason: string | null; actor: string }[] = [];
  for (let since = 0; ;) {
    const { entries } = await c.call("audit.list", { since, limit: 10000 });
    if (entries.length === 0) return out;
    for (const e of entries) if (e.subject === wakeId) out.push(e);
    since = entries.at(-1)!.seq;
  }
}
