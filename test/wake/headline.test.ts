/**
 * The headline (issue 12): wakes against the fake agent while a scripted person types into
 * the same runtime at random through a real `swarmctl attach` PTY. Counted from the fake
 * agent's --log: every line it received is exactly a human line or exactly a trigger (0
 * merged), every wake ends acked (0 lost), no trigger twice (0 duplicates), every human
 * line arrived once. The suite runs WAKE_HEADLINE_N wakes (default 100); CI (.ci/run) and
 * `WAKE_HEADLINE_N=1000 npx vitest run test/wake/headline.test.ts` run the full 1,000 (docs/wake.md).
 */
import pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Wake } from "../../protocol/methods/wake.js";
import { SWARMCTL, startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { logLines, post, startFakeAgent, tempLog, thread, wakeConfig } from "./helpers.js";

const N = Number(process.env.WAKE_HEADLINE_N ?? 100);
const THREADS = 4;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

/** A person at the keyboard: lines typed key by key, sometimes stopping mid-line (a draft), Enter, a pause. */
async function typist(term: pty.IPty, lines: string[], stop: () => boolean): Promise<void> {
  for (let k = 0; !stop(); k++) {
    const line = `human ${k} ${Math.random()
      .toString(36)
      .slice(2, 2 + rand(3, 12))}`;
    for (const ch of line) {
      term.write(ch);
      await pause(Math.random() < 0.05 ? rand(300, 700) : rand(5, 40)); // mostly typing, now and then thinking mid-line
    }
    lines.push(line);
    term.write("\r");
    await pause(rand(50, 600));
  }
}

describe(`headline: ${N} wakes while a person types through swarmctl attach`, () => {
  let d: TestDaemon;
  let c: RpcClient;
  let term: pty.IPty | undefined;
  beforeAll(async () => {
    d = await startDaemon({ config: wakeConfig({ quiet_window_ms: 250, recheck_ms: 25, ack_timeout_ms: 60_000, max_defer_ms: 600_000 }) });
    c = await d.client();
  });
  afterAll(async () => {
    term?.kill();
    await killAll(d);
    await d?.stop();
  });

  it("0 merged drafts, 0 lost, 0 duplicates", { timeout: 30 * 60_000 }, async () => {
    const log = tempLog();
    await startFakeAgent(c, "hx", log, ["--work-ms", "5"]);
    let out = "";
    term = pty.spawn(process.execPath, [SWARMCTL, "attach", "hx"], { cols: 120, rows: 40, env: d.env as Record<string, string> });
    term.onData((s) => (out += s));
    await waitFor("the attach to show the agent", () => out.includes("fake-agent ready"));
    const threads = await Promise.all(Array.from({ length: THREADS }, (_, i) => thread(c, ["lead", "hx"], `headline ${i}`)));

    // the agent: whenever a trigger shows up in its log, it reads that thread (moves its cursor)
    let done = false;
    const acked = new Set<string>();
    const reader = (async () => {
      while (!done) {
        for (const l of logLines(log)) {
          const m = / in thread (th-\d+) .*\(wake (w-\d+)\)$/.exec(l);
          if (m && !acked.has(m[2]!)) {
            acked.add(m[2]!);
            await c.call("thread.ack", { id: m[1]!, as: "hx" });
          }
        }
        await pause(10);
      }
    })();
    const human: string[] = [];
    const typing = typist(term, human, () => done);

    const wakes: Wake[] = [];
    let posted = 0;
    await Promise.all(
      threads.map(async (th) => {
        while (posted < N) {
          posted++;
          await post(c, th, "lead", `message ${posted}`);
          const w = await waitFor(
            `the wake in ${th} to end`,
            async () => (await c.call("wake.list", { thread: th, limit: 1 })).wakes.find((x) => x.outcome !== null) ?? null,
            120_000,
            10,
          );
          wakes.push(w);
        }
      }),
    );
    done = true;
    await Promise.all([typing, reader]);
    await waitFor("the person's last line in the log", () => logLines(log).includes(human.at(-1)!));

    const lines = logLines(log);
    const triggers = new Map(wakes.map((w) => [w.trigger_text, w]));
    const humanSet = new Set(human);
    const merged = lines.filter((l) => !humanSet.has(l) && !triggers.has(l));
    expect(merged, "lines that are neither a human line nor a trigger").toEqual([]);
    expect(wakes.length).toBeGreaterThanOrEqual(N);
    expect(wakes.filter((w) => w.outcome !== "acked").map((w) => `${w.id}:${w.outcome}`)).toEqual([]);
    const count = new Map<string, number>();
    for (const l of lines) count.set(l, (count.get(l) ?? 0) + 1);
    expect([...triggers.keys()].filter((t) => count.get(t!) !== 1)).toEqual([]);
    expect(human.filter((h) => count.get(h) !== 1)).toEqual([]);
    const deferred = wakes.filter((w) => w.steps.some((s) => s.name === "defer")).length;
    console.log(`headline: ${wakes.length} wakes, ${human.length} human lines, ${deferred} wakes deferred for the person, 0 merged, 0 lost, 0 duplicates`);
    expect(deferred).toBeGreaterThan(0);
  });
});
