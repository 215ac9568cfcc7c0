import path from "node:path";
import type { RpcClient } from "../../client/index.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import { afterAll, beforeAll } from "vitest";
import { ROOT, startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";

export const FAKE_AGENT = path.join(ROOT, "test/fixtures/fake-agent");

export type ScreenRes = { lines: string[]; cursor: { x: number; y: number }; state: string; alt_screen: boolean; bracketed_paste: boolean };

export async function show(c: RpcClient, name: string): Promise<Runtime & { recordings: string[]; features: Record<string, boolean> }> {
  return c.call("runtime.show", { name });
}

export async function screen(c: RpcClient, name: string): Promise<ScreenRes> {
  return c.call("runtime.screen", { name });
}

export async function waitScreen(c: RpcClient, name: string, what: string, pred: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  return waitFor(
    `screen of ${name} to show ${what}`,
    async () => {
      const text = (await screen(c, name)).lines.join("\n");
      return pred(text) ? text : null;
    },
    timeoutMs,
    20,
  );
}

export async function waitExited(c: RpcClient, name: string, timeoutMs = 30_000): Promise<Runtime> {
  return waitFor(
    `${name} to exit`,
    async () => {
      const r = await show(c, name);
      return r.state === "exited" ? r : null;
    },
    timeoutMs,
    20,
  );
}

/** Kills every live runtime of a test daemon: holders outlive daemons by design, tests must not leak them. */
export async function killAll(d: { client(): Promise<RpcClient> } | undefined): Promise<void> {
  if (!d) return;
  try {
    const c = await d.client();
    const { runtimes } = await c.call<{ runtimes: Runtime[] }>("runtime.list", {});
    await Promise.all(
      runtimes
        .filter((r) => r.management === "managed" && r.state !== "exited" && r.state !== "lost")
        .map((r) => c.call("runtime.kill", { name: r.name }).catch(() => {})),
    );
  } catch {
    // the daemon is already gone
  }
}

/**
 * One real daemon for a describe block: started before its tests, and at the end its
 * runtimes are killed before it stops (holders outlive daemons by design).
 */
export function useDaemon(onStart: (d: TestDaemon) => void): void {
  let d: TestDaemon | undefined;
  beforeAll(async () => {
    d = await startDaemon();
    onStart(d);
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });
}
