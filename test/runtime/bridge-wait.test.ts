import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "./runtime-helpers.js";

/**
 * runtime.bridge_wait_ms: Claude Code draws its prompt before its MCP servers are up, and a
 * turn taken then has none of swarm's tools. A runtime swarm wired to its bridge stays
 * `starting` at its prompt until the bridge says bridge.hello, at most bridge_wait_ms.
 * Stand-in `claude` programs on the daemon's PATH (so they get the wiring like the real
 * CLI) draw Claude's prompt box; one starts the --mcp-config server with the MCP SDK's
 * client after a delay, the other never does.
 */
const SDK = path.resolve("node_modules/@modelcontextprotocol/sdk/dist/esm");
const standIn = (connect: boolean) => `#!${process.execPath}
import fs from "node:fs";
import { Client } from "${SDK}/client/index.js";
import { StdioClientTransport } from "${SDK}/client/stdio.js";
const argv = process.argv.slice(2);
const rule = "─".repeat(60);
process.stdout.write("ready\\r\\n" + rule + "\\r\\n❯ \\r\\n" + rule + "\\r\\n\\x1b[2A\\x1b[3G");
if (${connect}) {
  // it starts its MCP server once GO_FILE exists: the test sees the hold first, then lets it connect
  while (!fs.existsSync(process.env.GO_FILE)) await new Promise((r) => setTimeout(r, 20));
  const cfg = JSON.parse(fs.readFileSync(argv[argv.indexOf("--mcp-config") + 1], "utf8")).mcpServers.swarm;
  const client = new Client({ name: "stand-in", version: "1" });
  await client.connect(new StdioClientTransport({ ...cfg, stderr: "inherit" }));
  await client.listTools(); // as the real CLIs do: the bridge says hello once its tools were listed
}
setInterval(() => {}, 1000);
`;

let d: TestDaemon;
let c: RpcClient;
let bin: string;

beforeAll(async () => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bridge-wait-"));
  const home = tempHome();
  fs.writeFileSync(home.paths.configFile, JSON.stringify({ secrets: { keyring: false }, runtime: { bridge_wait_ms: 3000 } }));
  d = await startDaemon({ home, extraEnv: { PATH: `${bin}:${process.env.PATH}` } });
  c = await d.client();
});
afterAll(async () => {
  await killAll(d);
  await d?.stop();
});

const show = (name: string) => c.call("runtime.show", { name });

describe("a wired agent waits for its bridge before it is idle", () => {
  it("held `starting` at its prompt until bridge.hello, then idle, with runtime.bridge_connected", async () => {
    const go = path.join(bin, "go");
    fs.writeFileSync(path.join(bin, "claude"), standIn(true), { mode: 0o755 });
    await c.call("runtime.start", { name: "bw-ok", agent: "claude", cwd: bin, vars: { GO_FILE: go } });
    const held = await waitFor("held for its bridge", async () => {
      const rt = await show("bw-ok");
      return rt.why?.includes("waiting for its swarm bridge") ? rt : null;
    });
    expect(held.state).toBe("starting");
    expect(held.why).toContain("claude: prompt box");
    fs.writeFileSync(go, "");
    const idle = await waitFor("idle after hello", async () => ((await show("bw-ok")).state === "idle" ? await show("bw-ok") : null), 20_000);
    expect(idle.why).not.toContain("did not connect");
    const ev = (await c.call("event.list", { since: 0, limit: 1000 })).events.find((e) => e.type === "runtime.bridge_connected" && e.subject === "bw-ok");
    expect(ev?.data).toMatchObject({ id: idle.id });
  });

  it("without a hello it goes idle after bridge_wait_ms, saying its bridge did not connect", async () => {
    fs.writeFileSync(path.join(bin, "claude"), standIn(false), { mode: 0o755 });
    await c.call("runtime.start", { name: "bw-none", agent: "claude", cwd: bin });
    await waitFor("held for its bridge", async () => (await show("bw-none")).why?.includes("waiting for its swarm bridge") ?? false);
    const idle = await waitFor("idle after the wait", async () => ((await show("bw-none")).state === "idle" ? await show("bw-none") : null), 20_000);
    expect(idle.why).toContain("its swarm bridge did not connect within 3000 ms");
  });

  it("a program that is not a wired agent CLI is not held", async () => {
    await c.call("runtime.start", { name: "bw-shell", command: ["sh"], cwd: bin });
    const rt = await waitFor("idle", async () => ((await show("bw-shell")).state === "idle" ? await show("bw-shell") : null));
    expect(rt.why).not.toContain("bridge");
  });

  it("bridge.hello without an agent token is refused by role", async () => {
    await expect(c.call("bridge.hello", {})).rejects.toMatchObject({ kind: "PERMISSION_DENIED" });
  });
});
