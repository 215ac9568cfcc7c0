import type { CommandGroup } from "../context.js";

/** `swarmctl mcp`: the stdio MCP server agents use to reach threads (cli/mcp/server.ts; docs/agents.md). */
export const register: CommandGroup = (program, ctx) => {
  program
    .command("mcp")
    .description("run the agent bridge: a stdio MCP server (stdout carries only MCP frames); the agent's token comes from SWARM_AGENT_TOKEN")
    .action(async () => {
      const c = ctx();
      const { runMcpServer } = await import("../mcp/server.js");
      await runMcpServer({ paths: c.paths, autostart: c.autostart, deadlines: c.deadlines, env: process.env });
    });
};
