import { afterAll, describe, expect, it } from "vitest";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, show, waitScreen, killAll } from "./runtime-helpers.js";
import type { RpcClient } from "../../client/index.js";

const lastSteady = (text: string): number => {
  const m = [...text.matchAll(/steady (\d+)/g)];
  return m.length ? Number(m[m.length - 1]![1]) : 0;
};

async function fullText(c: RpcClient, name: string): Promise<string> {
  const s = await c.call<{ lines: string[]; scrollback: string[] }>("runtime.screen", { name, scrollback: 1000 });
  return [...s.scrollback, ...s.lines].join("\n");
}

describe("runtimes outlive the daemon", () => {
  let d: TestDaemon;
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("kill -9 of swarmd, restart: 5 printing runtimes re-attached with screens intact; dead ones exited or lost", async () => {
    d = await startDaemon();
    let c = await d.client();
    const names = ["a1", "a2", "a3", "a4", "a5"];
    for (const name of names) {
      await c.call("runtime.start", { name, command: [FAKE_AGENT, "--print-steady", "20", "--banner", `banner-${name}`], cwd: d.home, cols: 80, rows: 24 });
    }
    // One that exits while the daemon is down (it gets its line now and exits in 1 s),
    // one whose holder is killed outright.
    await c.call("runtime.start", { name: "quitter", command: ["sh", "-c", "read x; sleep 1; echo bye-$x; exit 7"], cwd: d.home });
    await c.call("runtime.start", { name: "victim", command: ["sleep", "300"], cwd: d.home });
    for (const name of names) await waitScreen(c, name, "steady lines", (t) => lastSteady(t) >= 3, 30_000);
    const before = new Map<string, number>();
    for (const name of names) before.set(name, lastSteady(await fullText(c, name)));
    const victim = await show(c, "victim");
    await c.call("runtime.input", { name: "quitter", data: "zz\r" });

    await d.kill();
    process.kill(victim.holder_pid!, "SIGKILL");
    // The quitter exits on its own while no daemon runs; wait until its holder recorded it.
    const quitterRow = await waitFor(
      "quitter's exit file",
      async () => {
        const fs = await import("node:fs");
        const dir = `${d.paths.dataDir}/runtimes`;
        for (const id of fs.readdirSync(dir)) if (fs.existsSync(`${dir}/${id}/exit.json`)) return id;
        return null;
      },
      30_000,
    );
    expect(quitterRow).toMatch(/^rt-/);

    d = await d.restart();
    c = await d.client();
    for (const name of names) {
      const r = await show(c, name);
      expect(r.state, `${name}: ${r.why}`).not.toMatch(/exited|lost/);
      const text = await fullText(c, name);
      // The screen was rebuilt from the holder, banner included, and it kept printing meanwhile.
      expect(text).toContain(`banner-${name}`);
      expect(lastSteady(text)).toBeGreaterThan(before.get(name)!);
      // And it keeps moving through the new daemon.
      const now = lastSteady(text);
      await waitScreen(c, name, "new steady lines", (t) => lastSteady(t) > now + 2, 30_000);
    }
    const v = await show(c, "victim");
    expect(v.state).toBe("lost");
    const q = await show(c, "quitter");
    expect(q.state).toBe("exited");
    expect(q.exit_code).toBe(7);
    const fs = await import("node:fs");
    expect(fs.readFileSync(q.recordings[q.recordings.length - 1]!, "utf8")).toContain("bye-zz");
    for (const name of names) await c.call("runtime.kill", { name });
  }, 120_000);
});
