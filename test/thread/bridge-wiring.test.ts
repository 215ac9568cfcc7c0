import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeWiring, type BridgeTarget } from "../../daemon/bridge/wiring.js";
import type { Thread } from "../../protocol/thread/model.js";
import { SWARMCTL, startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { rpc } from "./helpers.js";

type Server = { command: string; args: string[]; env: Record<string, string> };

/** Starts the server a wiring describes, as the agent CLI would, and posts through it. */
async function postThrough(s: Server, threadId: string): Promise<{ author: string }> {
  const client = new Client({ name: "wiring-test", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ ...s, stderr: "pipe" }));
  try {
    const r = (await client.callTool({ name: "post_message", arguments: { id: threadId, body: "wired" } })) as CallToolResult;
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    return (r.structuredContent as { message: { author: string } }).message;
  } finally {
    await client.close();
  }
}

/** The value of a codex `-c mcp_servers.swarm.KEY=VALUE` override (VALUE is JSON, which is valid TOML here). */
function override(args: string[], key: string): unknown {
  const a = args.find((x) => x.startsWith(`mcp_servers.swarm.${key}=`));
  return a === undefined ? undefined : JSON.parse(a.slice(a.indexOf("=") + 1));
}

describe("bridge wiring for runtimes the daemon starts", () => {
  let d: TestDaemon;
  let thread: Thread;
  let target: (kind: string) => BridgeTarget;
  beforeAll(async () => {
    d = await startDaemon();
    const c = await d.client();
    thread = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "wired", participants: [{ agent_id: "wired-agent" }] })).thread;
    const { token } = await rpc<{ token: string }>(c, "agent.token_mint", { agent_id: "wired-agent" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-wiring-"));
    target = (kind) => ({ kind, token, home: d.home, dir: path.join(dir, kind), node: process.execPath, swarmctl: SWARMCTL });
  });
  afterAll(async () => {
    await d.stop();
  });

  it("claude: a private --mcp-config file whose server posts as the token's agent; the token is not in argv", async () => {
    const w = bridgeWiring(target("claude"))!;
    expect(w.args).toEqual(["--mcp-config", w.files[0], "--allowedTools", "mcp__swarm"]);
    expect(fs.statSync(w.files[0]!).mode & 0o777).toBe(0o600);
    expect(w.args.join(" ")).not.toContain(target("claude").token);
    const cfg = JSON.parse(fs.readFileSync(w.files[0]!, "utf8")) as { mcpServers: { swarm: Server } };
    expect(cfg.mcpServers.swarm.args).not.toContain(target("claude").token);
    expect(await postThrough(cfg.mcpServers.swarm, thread.id)).toMatchObject({ author: "wired-agent" });
  });

  it("codex: -c overrides name the bridge and forward the token from the agent's env, never in argv", async () => {
    const w = bridgeWiring(target("codex"))!;
    expect(w.args.join(" ")).not.toContain(target("codex").token);
    expect(override(w.args, "env_vars")).toEqual(["SWARM_AGENT_TOKEN", "SWARM_HOME"]);
    const s: Server = { command: override(w.args, "command") as string, args: override(w.args, "args") as string[], env: w.env };
    expect(await postThrough(s, thread.id)).toMatchObject({ author: "wired-agent" });
  });

  it("gemini: a private settings file named by GEMINI_CLI_SYSTEM_SETTINGS_PATH; other kinds get no wiring", async () => {
    const w = bridgeWiring(target("gemini"))!;
    expect(w.args).toEqual([]);
    expect(w.env.GEMINI_CLI_SYSTEM_SETTINGS_PATH).toBe(w.files[0]);
    const cfg = JSON.parse(fs.readFileSync(w.files[0]!, "utf8")) as { mcpServers: { swarm: Server & { trust?: boolean } } };
    expect(cfg.mcpServers.swarm.trust).toBe(true); // else Gemini CLI asks before every swarm tool call
    expect(await postThrough(cfg.mcpServers.swarm, thread.id)).toMatchObject({ author: "wired-agent" });
    expect(bridgeWiring(target("shell"))).toBeNull();
    expect(bridgeWiring(target("aider"))).toBeNull();
  });
});
