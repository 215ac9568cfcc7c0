import fs from "node:fs";
import { randomBytes } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { connectDaemon, tryConnect, type Deadlines, type RpcClient } from "../../client/index.js";
import { SwarmError } from "../../protocol/errors.js";
import type { SwarmPaths } from "../../protocol/paths.js";
import { SWARM_VERSION } from "../../protocol/version.js";
import { AgentToken } from "./token.js";
import { TOOLS, toolInput, toolOutput, type ToolDef } from "./tools.js";

/** The agent's token is read from here, never from argv (argv is visible to every user in `ps`). */
export const TOKEN_ENV = "SWARM_AGENT_TOKEN";
/** Or a file holding it (0600), for agents whose environment would pass the token on a command line (a sandbox's bwrap). */
export const TOKEN_FILE_ENV = "SWARM_AGENT_TOKEN_FILE";

/** The token from SWARM_AGENT_TOKEN, else from the file SWARM_AGENT_TOKEN_FILE names; null when neither gives one. */
export function agentTokenFrom(env: NodeJS.ProcessEnv, log: (line: string) => void): string | null {
  if (env[TOKEN_ENV]) return env[TOKEN_ENV];
  const file = env[TOKEN_FILE_ENV];
  if (!file) return null;
  try {
    return fs.readFileSync(file, "utf8").trim() || null;
  } catch (err) {
    log(`cannot read ${TOKEN_FILE_ENV} ${file}: ${(err as Error).message}`);
    return null;
  }
}

export interface McpOptions {
  paths: SwarmPaths;
  autostart: boolean;
  deadlines: Deadlines;
  env: NodeJS.ProcessEnv;
  /** Diagnostics; stdout is the MCP channel, so never stdout. */
  log?: (line: string) => void;
}

const nonce = (): string => randomBytes(18).toString("base64url");

/** The daemon connection, opened on the first tool call (so the MCP handshake is instant) and reopened after a daemon restart. */
class DaemonLink {
  private client: Promise<RpcClient> | null = null;
  constructor(private readonly o: McpOptions & { log: (line: string) => void }) {}

  get(): Promise<RpcClient> {
    this.client ??= this.open().catch((err: unknown) => {
      this.client = null;
      throw err;
    });
    return this.client;
  }

  /** Forgets a closed connection, so the next call reconnects. */
  async dropIfClosed(): Promise<void> {
    const c = await this.client?.catch(() => null);
    if (!c || c.isClosed) this.client = null;
  }

  private async open(): Promise<RpcClient> {
    const probe = await tryConnect(this.o.paths.socket);
    probe?.close();
    if (!probe && this.o.autostart) this.o.log(`swarmd is not running on ${this.o.paths.socket}; starting it (pass --no-autostart to refuse)`);
    return connectDaemon(this.o.paths, { autostart: this.o.autostart, deadlines: this.o.deadlines, clientName: "swarmctl-mcp" });
  }

  close(): void {
    void this.client?.then((c) => c.close()).catch(() => {});
  }
}

function errorResult(err: unknown): CallToolResult {
  const text =
    err instanceof SwarmError
      ? `${err.kind}: ${err.message}${err.hint ? `\nhint: ${err.hint}` : ""}${err.details ? `\ndetails: ${JSON.stringify(err.details)}` : ""}`
      : `INTERNAL: ${(err as Error)?.message ?? String(err)} (a bug in swarmctl mcp; please report it)`;
  return { isError: true, content: [{ type: "text", text }] };
}

/** Calls the tool's method as the agent: auth with the token and a fresh nonce; one retry after a lost connection. */
async function callAs(link: DaemonLink, token: AgentToken, tool: ToolDef, args: Record<string, unknown>): Promise<CallToolResult> {
  // A write without a key gets one, so the retry below can never write twice.
  const params = tool.write && args.idempotency_key === undefined ? { ...args, idempotency_key: `mcp-${nonce()}` } : args;
  const once = async () => {
    const c = await link.get();
    const auth = await token.current(c);
    return c.call(tool.method.name as never, { ...params, auth: { token: auth, nonce: nonce() } } as never);
  };
  let result: unknown;
  try {
    result = await once();
  } catch (err) {
    if (!(err instanceof SwarmError && err.kind === "UNAVAILABLE")) throw err;
    await link.dropIfClosed();
    result = await once();
  }
  // The daemon may send fields newer than this bridge's schema; the tool promises its output schema, so keep exactly that.
  const out = tool.method.result.parse(result) as Record<string, unknown>;
  return { content: [{ type: "text", text: JSON.stringify(out) }], structuredContent: out };
}

export function buildServer(o: McpOptions & { log: (line: string) => void }): { server: McpServer; link: DaemonLink; hello: () => void } {
  const server = new McpServer({ name: "swarm", version: SWARM_VERSION });
  const link = new DaemonLink(o);
  const raw = agentTokenFrom(o.env, o.log);
  const token = raw ? new AgentToken(raw, o.log) : null;
  for (const tool of TOOLS) {
    const outputSchema = toolOutput(tool.method);
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: toolInput(tool.method), ...(outputSchema ? { outputSchema } : {}) },
      async (args: Record<string, unknown>) => {
        if (!token)
          return errorResult(
            new SwarmError("PERMISSION_DENIED", `${TOKEN_ENV} is not set: swarmctl mcp calls swarm as an agent and needs that agent's token`, {
              hint: `mint one with \`swarmctl agent token AGENT\` and put it in the MCP server's environment as ${TOKEN_ENV} (docs/agents.md)`,
            }),
          );
        try {
          return await callAs(link, token, tool, args);
        } catch (err) {
          return errorResult(err);
        }
      },
    );
  }
  // Said once the agent CLI has its tools: the daemon then lets a freshly started runtime go
  // idle, so its first prompt has them. Never fatal.
  const hello = () => {
    if (!token) return;
    void (async () => {
      const c = await link.get();
      await c.call("bridge.hello", { auth: { token: await token.current(c), nonce: nonce() } });
    })().catch((err: unknown) => o.log(`bridge.hello: ${err instanceof Error ? err.message : String(err)}`));
  };
  return { server, link, hello };
}

/**
 * Calls `hello` once, after the first tools/list answer went out. Not at `initialized`: the
 * client lists tools only after that, and a Claude Code turn begun in between (CI, loaded)
 * had none of swarm's tools.
 */
function helloAfterToolsList(transport: StdioServerTransport, hello: () => void): void {
  const send = transport.send.bind(transport);
  let said = false;
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    const result = (message as { result?: { tools?: unknown } }).result;
    if (!said && Array.isArray(result?.tools)) {
      said = true;
      hello();
    }
  };
}

/** Serves MCP on stdin/stdout until stdin ends. */
export async function runMcpServer(o: McpOptions): Promise<void> {
  const log = o.log ?? ((line: string) => void process.stderr.write(`swarmctl mcp: ${line}\n`));
  const { server, link, hello } = buildServer({ ...o, log });
  if (!o.env[TOKEN_ENV] && !o.env[TOKEN_FILE_ENV]) log(`${TOKEN_ENV} is not set; every tool call will be refused until it is (docs/agents.md)`);
  const transport = new StdioServerTransport();
  helloAfterToolsList(transport, hello);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
    process.stdin.once("close", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => {});
  link.close();
}
