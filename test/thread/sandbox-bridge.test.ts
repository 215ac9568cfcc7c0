import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Message, Thread } from "../../protocol/thread/model.js";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { makeRepo } from "../env/fixture.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { rpc } from "./helpers.js";

/**
 * The thread bridge inside a bubblewrap sandbox, where swarm's own state (SWARM_HOME, the
 * data dir, the socket's folder) is hidden behind empty tmpfs mounts: the bridge's config
 * folder, the daemon's socket and the installation are bound in, so a stand-in agent CLI
 * started by the daemon in the sandbox reaches the daemon through `swarmctl mcp` and posts as
 * its runtime. The stand-in plays claude (reads --mcp-config) or codex (reads the -c
 * mcp_servers.swarm.* overrides and forwards env_vars from its own environment); it takes
 * the thread id from its prompt, posts, prints "posted", and waits.
 */

const NO_BWRAP = spawnSync("bwrap", ["--version"]).status !== 0;
const SDK = path.resolve("node_modules/@modelcontextprotocol/sdk/dist/esm");
const STAND_IN = `#!${process.execPath}
import fs from "node:fs";
import readline from "node:readline";
import { Client } from "${SDK}/client/index.js";
import { StdioClientTransport } from "${SDK}/client/stdio.js";
const argv = process.argv.slice(2);
let server;
if (argv.includes("--mcp-config")) server = JSON.parse(fs.readFileSync(argv[argv.indexOf("--mcp-config") + 1], "utf8")).mcpServers.swarm;
else {
  const o = {};
  for (let i = 0; i < argv.length; i++) if (argv[i] === "-c") { const kv = argv[++i]; const k = kv.slice(0, kv.indexOf("=")); o[k] = JSON.parse(kv.slice(k.length + 1)); }
  const env = Object.fromEntries(o["mcp_servers.swarm.env_vars"].map((k) => [k, process.env[k] ?? ""]));
  server = { command: o["mcp_servers.swarm.command"], args: o["mcp_servers.swarm.args"], env };
}
process.stdout.write("stand-in ready\\r\\n");
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  try {
    const client = new Client({ name: "stand-in", version: "1.0.0" });
    await client.connect(new StdioClientTransport({ ...server, stderr: "inherit" }));
    const r = await client.callTool({ name: "post_message", arguments: { id: line.trim(), body: "from inside the sandbox" } });
    await client.close();
    // inside the sandbox swarm's database is hidden: the bridge got through the bound socket alone
    const db = fs.existsSync(server.env.SWARM_HOME + "/swarm.db") ? "db visible" : "db hidden";
    process.stdout.write((r.isError ? "refused: " + JSON.stringify(r.content) : "posted, " + db) + "\\r\\n");
  } catch (err) {
    process.stdout.write("failed: " + err.message + "\\r\\n");
  }
});
`;

let d: TestDaemon;
let c: RpcClient;
let repo: string;
let bin: string;
let sandboxOk = false;

beforeAll(async () => {
  repo = makeRepo("swarm-sandbox-bridge-");
  // outside /tmp: the sandbox has a private /tmp, and the stand-ins must be on its PATH
  bin = fs.mkdtempSync("/var/tmp/swarm-sandbox-bridge-bin-");
  for (const name of ["claude", "codex"]) fs.writeFileSync(path.join(bin, name), STAND_IN, { mode: 0o755 });
  d = await startDaemon({ extraEnv: { PATH: `${bin}:${process.env.PATH}` } });
  c = await d.client();
  const p = await rpc<{ providers: { name: string; available: boolean; reason: string | null }[] }>(c, "provider.list", {}).catch(() => null);
  sandboxOk = p?.providers.find((x) => x.name === "sandbox")?.available ?? !NO_BWRAP;
});
afterAll(async () => {
  await killAll(d);
  await d?.stop();
  for (const dir of [repo, bin]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function postFromInside(agent: "claude" | "codex"): Promise<{ message: Message; argv: string }> {
  const name = `boxed-${agent}`;
  // the runtime's token is for its environment's project (its workspace), so the thread is there
  const thread = (await rpc<{ thread: Thread }>(c, "thread.create", { title: `sandboxed ${agent}`, workspace: "boxed", participants: [{ agent_id: name }] }))
    .thread;
  await rpc(c, "env.create", { name: `box-${agent}`, provider: "sandbox", repo, project: "boxed" });
  await rpc(c, "runtime.start", { name, agent, command: [], env: `box-${agent}` });
  await waitFor(
    `${name} to be ready`,
    async () => (await rpc<{ lines: string[] }>(c, "runtime.screen", { name })).lines.join("\n").includes("stand-in ready"),
    30_000,
    100,
  );
  // typed as keys: the stand-in draws no agent prompt, so runtime.send would wait for a ready
  // screen the claude/codex detectors never see (this test is about the bridge, not delivery)
  await rpc(c, "runtime.input", { name, data: `${thread.id}\r` });
  const screen = await waitFor(
    `${name} to post`,
    async () => {
      const text = (await rpc<{ lines: string[] }>(c, "runtime.screen", { name })).lines.join("\n");
      return /posted|refused:|failed:/.test(text) ? text : null;
    },
    60_000,
    100,
  );
  expect(screen).toContain("posted, db hidden");
  const { messages } = await rpc<{ messages: Message[] }>(c, "thread.read", { id: thread.id });
  const list = await swarmctl(d.env, ["--no-autostart", "--json", "runtime", "list", "--all"]);
  return { message: messages[0]!, argv: list.stdout + "\n" + commandLines().join("\n") };
}

/** Every process's command line on this host (bwrap's --setenv arguments included). */
function commandLines(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      out.push(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Files under `dir` whose name starts with `prefix` (the sandbox's private-variable files). */
function filesNamed(dir: string, prefix: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.startsWith(prefix)) out.push(e.name);
  return out;
}

describe("a runtime's own variables inside a sandbox environment", () => {
  it.skipIf(NO_BWRAP)(
    "SWARM_THREAD_ID, SWARM_TICKET_ID and a --var reach the program; no command line shows them and their file is gone",
    async () => {
      if (!sandboxOk) return expect.fail("the sandbox provider must be available on this machine (apt-get install -y bubblewrap)");
      await rpc(c, "env.create", { name: "box-vars", provider: "sandbox", repo });
      const secret = "sk-private-value-4711";
      const vars = { SWARM_THREAD_ID: "th-42", SWARM_TICKET_ID: "T-7", SWARM_TICKET_TITLE: 'it\'s a "title" $HOME', API_KEY: secret };
      const script =
        'printf "thread=%s ticket=%s title=[%s] key=%s env=%s\\n" "$SWARM_THREAD_ID" "$SWARM_TICKET_ID" "$SWARM_TICKET_TITLE" "$API_KEY" "$SWARM_ENV"; exec sleep 600';
      await rpc(c, "runtime.start", { name: "boxed-vars", agent: "custom", command: ["/bin/sh", "-c", script], env: "box-vars", vars });
      const screen = await waitFor(
        "the sandboxed program to print its variables",
        async () => {
          const text = (await rpc<{ lines: string[] }>(c, "runtime.screen", { name: "boxed-vars" })).lines.join("\n");
          return text.includes("thread=") ? text : null;
        },
        30_000,
        100,
      );
      // the secret is there (masked in the output, as every --var value is by default)
      expect(screen).toContain(`thread=th-42 ticket=T-7 title=[it's a "title" $HOME] key=******** env=box-vars`);
      const lines = commandLines();
      expect(lines.some((l) => l.includes("bwrap") && l.includes("/tmp/.swarm-vars"))).toBe(true); // it runs in the sandbox
      expect(lines.join("\n")).not.toContain(secret);
      expect(lines.join("\n")).not.toContain("th-42");
      expect(filesNamed(d.paths.dataDir, "vars-")).toEqual([]);
    },
    120_000,
  );
});

describe("the thread bridge inside a sandbox environment", () => {
  it.skipIf(NO_BWRAP)(
    "claude: its --mcp-config, the socket and swarmctl are bound in; the post carries the runtime's identity",
    async () => {
      if (!sandboxOk) return expect.fail("the sandbox provider must be available on this machine (apt-get install -y bubblewrap)");
      const { message, argv } = await postFromInside("claude");
      expect(message).toMatchObject({ author: "boxed-claude", body: "from inside the sandbox" });
      expect(argv).toMatch(/bwrap .*--ro-bind \S+\/bridge\/boxed-claude /); // it runs in the sandbox, its bridge folder bound in
      expect(argv).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/); // no token on any command line
    },
    120_000,
  );

  it.skipIf(NO_BWRAP)(
    "codex: the token travels in a 0600 file named by SWARM_AGENT_TOKEN_FILE, never on bwrap's command line",
    async () => {
      if (!sandboxOk) return expect.fail("the sandbox provider must be available on this machine (apt-get install -y bubblewrap)");
      const { message, argv } = await postFromInside("codex");
      expect(message).toMatchObject({ author: "boxed-codex", body: "from inside the sandbox" });
      expect(argv).toContain("SWARM_AGENT_TOKEN_FILE");
      expect(argv).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
      const file = path.join(d.paths.dataDir, "bridge", "boxed-codex", "token");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    },
    120_000,
  );
});
