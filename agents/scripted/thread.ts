import { randomBytes } from "node:crypto";
import { connectDaemon } from "../../client/index.js";
import { resolvePaths } from "../../protocol/paths.js";
import type { ThreadPoster } from "./steps.js";

/**
 * `post` steps go to the ticket's thread through the daemon, as this agent: the token the
 * daemon gave the runtime (SWARM_AGENT_TOKEN, the same one `swarmctl mcp` uses) and the
 * thread the coordinator named (SWARM_THREAD_ID). Without either the post is skipped and
 * says why: a recipe run by hand, outside a ticket, still works.
 */
export function threadPoster(env: NodeJS.ProcessEnv): ThreadPoster {
  return async (text) => {
    const token = env.SWARM_AGENT_TOKEN;
    const thread = env.SWARM_THREAD_ID;
    if (!thread) return "post skipped: this agent has no thread (SWARM_THREAD_ID is not set)";
    if (!token) return "post skipped: no agent token (SWARM_AGENT_TOKEN is not set)";
    try {
      const client = await connectDaemon(resolvePaths(env), { autostart: false, clientName: "scripted-agent" });
      try {
        const r = await client.call("thread.post", { id: thread, body: text, auth: { token, nonce: randomBytes(18).toString("base64url") } });
        return `posted #${r.message.seq} in ${thread}`;
      } finally {
        client.close();
      }
    } catch (err) {
      return `post failed: ${(err as Error).message}`;
    }
  };
}
