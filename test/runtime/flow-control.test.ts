import fs from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { waitFor, type TestDaemon } from "../helpers/daemon.js";
import { screen, waitExited, useDaemon } from "./runtime-helpers.js";

const MB = 1024 * 1024;

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

describe("flow control", () => {
  let d: TestDaemon;
  useDaemon((started) => (d = started));

  it.skipIf(!fs.existsSync("/proc/self/status"))(
    "100 MB of output with a viewer that stopped reading: daemon peak RSS stays bounded, every byte counted",
    async () => {
      const c = await d.client();
      const baseline = peakRss(d.proc.pid!);
      // 100 MB in 100-byte lines, as fast as the PTY takes it.
      const cmd = ["sh", "-c", "head -c 104857600 /dev/zero | tr '\\0' 'a' | fold -w 99; echo END-OF-FLOOD"];
      await c.call("runtime.start", { name: "flood", command: cmd, cwd: d.home, cols: 120, rows: 30 });
      // A viewer that attaches and then never reads: the daemon must not queue 100 MB for it.
      const stalled = net.connect(d.paths.socket);
      await new Promise((r) => stalled.once("connect", r));
      stalled.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "runtime.attach", params: { name: "flood" } }) + "\n");
      stalled.pause();
      const r = await waitExited(c, "flood", 120_000);
      // fold ends 1,059,167 full lines with "\n", echo ends the last one; the PTY makes each "\r\n".
      const lines = Math.floor(104857600 / 99) + 1;
      expect(r.bytes_out).toBe(104857600 + "END-OF-FLOOD".length + 2 * lines);
      const s = await screen(c, "flood");
      expect(s.lines.join("\n")).toContain("END-OF-FLOOD");
      const grew = peakRss(d.proc.pid!) - baseline;
      expect(grew, `daemon peak RSS grew by ${Math.round(grew / MB)} MB`).toBeLessThan(150 * MB);
      // The stalled viewer, once it reads again, is resynchronised from a snapshot (not 100 MB of backlog).
      let got = "";
      stalled.on("data", (b) => (got += b.toString()));
      stalled.resume();
      await waitFor("the stalled viewer to catch up", () => got.includes('"runtime.exit"'), 20_000);
      expect(got.length).toBeLessThan(40 * MB);
      stalled.destroy();
    },
    150_000,
  );
});
