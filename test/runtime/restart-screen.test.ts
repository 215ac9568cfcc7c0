import { afterAll, describe, expect, it } from "vitest";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll, screen } from "./runtime-helpers.js";

/**
 * After a `kill -9` of swarmd and a restart, the very first `runtime.screen` shows the
 * screen the holder replayed, not a blank terminal (#2: the runtime was marked ready before
 * xterm had parsed the replayed bytes). Eight restarts in a row, no retry on the first call.
 */
describe("the first screen after a daemon restart", () => {
  let d: TestDaemon | undefined;
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("is intact on the first call, 8 restarts in a row", async () => {
    d = await startDaemon();
    const c = await d.client();
    // a long history (~1 MB of colour output) so parsing the replay takes a while, as with a real agent
    const script =
      'i=0; while [ $i -lt 8000 ]; do printf "\\033[3%dmline %d %s\\033[0m\\n" $((i % 7)) $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo MARK-END; exec sleep 600';
    await c.call("runtime.start", { name: "keep", cwd: d.home, command: ["sh", "-c", script] });
    await waitFor("the output on screen", async () => (await screen(c, "keep")).lines.includes("MARK-END"), 60_000, 100);
    for (let i = 0; i < 8; i++) {
      await d.kill();
      d = await d.restart();
      const c2 = await d.client();
      const s = await screen(c2, "keep");
      expect(s.lines, `restart ${i + 1}`).toContain("MARK-END");
      expect(s.lines.join("\n"), `restart ${i + 1}`).toContain("line 7999 xxxx");
    }
  });
});
