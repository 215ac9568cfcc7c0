/**
 * The one contract every runtime backend passes (the rules are written on
 * daemon/runtime/backend.ts). Use it from a test file, one per backend:
 *
 *   defineBackendContract({ label: "holder", managed: true, features: {…}, make: … });
 *
 * It runs the same cases through a real daemon (real socket, real PTYs or tmux, the fake
 * agent of test/fixtures): the runtime starts and announces its flags in runtime.show;
 * the screen shows the program's output; send is delivered (the program logs it); resize
 * reaches the terminal; raw input and attach work; after SIGKILL of the daemon and a
 * restart the same runtime is found, still working; a signal ends it with its exit
 * recorded. Every operation whose flag is off is refused, the same way for every backend:
 * PERMISSION_DENIED for a write to a runtime swarm did not start, INVALID_ARGUMENT for
 * what a backend lacks, both naming the runtime and carrying a hint; nothing reaches the
 * program.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Runtime, RuntimeFeature, RuntimeFeatures } from "../../protocol/methods/runtime.js";
import { startDaemon, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { killAll, screen, show, waitScreen } from "./runtime-helpers.js";

type Feature = RuntimeFeature;

/** The daemon under test and a client to it (both replaced by the restart case). */
export interface Harness {
  d: TestDaemon;
  c: RpcClient;
  /** the fake agent's delivery log: one line per message it received */
  log: string;
}

export interface BackendSubject {
  label: string;
  /** swarm starts the program (false: it only observes or records someone else's) */
  managed: boolean;
  /** the flags the backend must announce for the runtime, and honour */
  features: RuntimeFeatures;
  /** when set, the suite is skipped with this reason (e.g. tmux missing) */
  skipReason?: string | null;
  /**
   * Creates runtime `name` under this backend, running the fake agent with `agentArgs`
   * (its banner and log are in them) where the backend runs a program at all.
   */
  make(h: Harness, name: string, agentArgs: string[]): Promise<void>;
  /** after the suite, e.g. kill a tmux server the test started */
  cleanup?(h: Harness): void;
}

const BANNER = "contract-banner";
const NAME = "ct";

/** The request that exercises each capability. */
const CALL: Record<Feature, (c: RpcClient) => Promise<unknown>> = {
  screen: (c) => c.call("runtime.screen", { name: NAME }),
  send: (c) => c.call("runtime.send", { name: NAME, text: "refused text", confirm_timeout_ms: 500 }),
  input: (c) => c.call("runtime.input", { name: NAME, data: "refused keys\r" }),
  attach: (c) => c.call("runtime.attach", { name: NAME }),
  resize: (c) => c.call("runtime.resize", { name: NAME, cols: 90, rows: 25 }),
  signal: (c) => c.call("runtime.kill", { name: NAME, signal: "SIGTERM" }),
};

const logLines = (h: Harness) => (fs.existsSync(h.log) ? fs.readFileSync(h.log, "utf8").split("\n").filter(Boolean) : []);

async function expectRefused(s: BackendSubject, h: Harness, f: Feature): Promise<void> {
  const err = await errOf(CALL[f](h.c));
  const writes = f !== "screen";
  expect(err.kind, `${f}: ${err.message}`).toBe(!s.managed && writes ? "PERMISSION_DENIED" : "INVALID_ARGUMENT");
  expect(err.message).toContain(`runtime ${NAME}`);
  expect(err.hint, `${f} refusal has a hint`).toBeTruthy();
  expect(err.details).toMatchObject({ feature: f });
}

export function defineBackendContract(s: BackendSubject): void {
  describe.skipIf(!!s.skipReason)(`runtime backend contract: ${s.label}`, () => {
    const h = {} as Harness;
    beforeAll(async () => {
      const home = tempHome();
      // unmanaged records must not go stale while the suite runs
      fs.writeFileSync(home.paths.configFile, JSON.stringify({ runtime: { stale_after_ms: 600_000 } }));
      h.d = await startDaemon({ home });
      h.c = await h.d.client();
      h.log = path.join(h.d.home, "contract.log");
    });
    afterAll(async () => {
      await killAll(h.d);
      await h.d?.stop();
      s.cleanup?.(h);
    });

    it("starts: listed, running, with the backend's feature flags in runtime.show", async () => {
      await s.make(h, NAME, ["--banner", BANNER, "--work-ms", "0", "--log", h.log]);
      const r = await show(h.c, NAME);
      expect(r.management).toBe(s.managed ? "managed" : "unmanaged");
      expect(r.state, r.why).not.toMatch(/exited|lost/);
      expect(r.features).toEqual(s.features);
      const { runtimes } = await h.c.call<{ runtimes: Runtime[] }>("runtime.list", {});
      expect(runtimes.map((x) => x.name)).toContain(NAME);
    }, 60_000);

    it("screen shows the program's output (or is refused by its flag)", async () => {
      if (!s.features.screen) return expectRefused(s, h, "screen");
      const text = await waitScreen(h.c, NAME, "the banner and prompt", (t) => t.includes(BANNER) && /^>( |$)/m.test(t), 30_000);
      expect(text).toContain(BANNER);
    }, 60_000);

    it("send: delivered, and the program received exactly the text (or refused, nothing reaches it)", async () => {
      if (!s.features.send) {
        await expectRefused(s, h, "send");
        expect(logLines(h)).toEqual([]);
        return;
      }
      const r = await h.c.call<{ status: string; why: string; ms: number; paste: boolean }>("runtime.send", { name: NAME, text: "contract hello" });
      expect(r.status, r.why).toBe("delivered");
      expect(typeof r.paste).toBe("boolean");
      expect(r.ms).toBeGreaterThanOrEqual(0);
      await waitFor("the delivery in the agent's log", () => logLines(h).includes("contract hello"), 30_000);
    }, 60_000);

    it("resize reaches the terminal (or is refused)", async () => {
      if (!s.features.resize) return expectRefused(s, h, "resize");
      expect(await h.c.call("runtime.resize", { name: NAME, cols: 100, rows: 30 })).toEqual({ cols: 100, rows: 30 });
      await waitFor(
        "the record to show 100x30",
        async () => {
          const r = await show(h.c, NAME);
          return r.cols === 100 && r.rows === 30;
        },
        30_000,
      );
      if (s.features.screen) {
        await waitFor(
          "the screen to be 100x30",
          async () => {
            const v = await h.c.call<{ cols: number; rows: number }>("runtime.screen", { name: NAME });
            return v.cols === 100 && v.rows === 30;
          },
          30_000,
        );
      }
    }, 60_000);

    it("raw input and attach work (or are refused), each by its own flag", async () => {
      const before = logLines(h);
      if (s.features.input) {
        const r = await h.c.call<{ written: number }>("runtime.input", { name: NAME, data: "typed keys\r" });
        expect(r.written).toBe(11);
        await waitFor("the typed line in the agent's log", () => logLines(h).includes("typed keys"), 30_000);
      } else {
        await expectRefused(s, h, "input");
        expect(logLines(h)).toEqual(before);
      }
      if (s.features.attach) {
        const a = await h.c.call<{ snapshot: string; cols: number }>("runtime.attach", { name: NAME });
        expect(a.snapshot).toContain(BANNER);
        expect(await h.c.call("runtime.detach", { name: NAME })).toEqual({ detached: true });
      } else {
        await expectRefused(s, h, "attach");
      }
    }, 60_000);

    it("adoption: after SIGKILL of the daemon and a restart, the same runtime is found and still works", async () => {
      const before = await show(h.c, NAME);
      await h.d.kill();
      h.d = await h.d.restart();
      h.c = await h.d.client();
      const after = await show(h.c, NAME);
      expect(after.id).toBe(before.id);
      expect(after.state, after.why).not.toMatch(/exited|lost/);
      expect(after.features).toEqual(s.features);
      if (s.features.screen) expect((await screen(h.c, NAME)).lines.join("\n")).toContain(BANNER);
      if (s.features.send) {
        const r = await h.c.call<{ status: string; why: string }>("runtime.send", { name: NAME, text: "after restart" });
        expect(r.status, r.why).toBe("delivered");
        await waitFor("the post-restart delivery in the log", () => logLines(h).includes("after restart"), 30_000);
      }
    }, 90_000);

    it("a signal ends it with its exit recorded (or is refused and it keeps running)", async () => {
      if (!s.features.signal) {
        await expectRefused(s, h, "signal");
        expect((await show(h.c, NAME)).state).not.toMatch(/exited|lost/);
        return;
      }
      const r = await h.c.call<Runtime>("runtime.kill", { name: NAME, signal: "SIGTERM" });
      expect(r.state).toBe("exited");
      expect(r.exit_code !== null || r.exit_signal !== null, "an exit code or a signal is recorded").toBe(true);
      // what needs a running program now says so, whatever the backend
      if (s.features.send) expect((await errOf(CALL.send(h.c))).kind).toBe("INVALID_TRANSITION");
    }, 60_000);
  });
}
