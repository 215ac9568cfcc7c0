import type { FoundAgentCli } from "../../protocol/agent-clis.js";
import type { CliContext } from "../context.js";

/** The agent kinds `init` may configure: an agent CLI, or swarm's own scripted agent. */
export const INIT_KINDS = ["claude", "codex", "gemini", "aider", "scripted"] as const;

export interface AgentChoice {
  kinds: string[];
  default_kind: string;
  /** one line saying why these were chosen */
  because: string;
}

/** Picks the coordinator's agents: the one asked for, else every agent CLI found (first = default), else the scripted agent. */
export function chooseAgents(found: FoundAgentCli[], asked: string | undefined): AgentChoice {
  if (asked) return { kinds: [asked], default_kind: asked, because: `--agent ${asked}` };
  const have = found.filter((f) => f.path);
  if (have.length === 0) {
    return {
      kinds: ["scripted"],
      default_kind: "scripted",
      because: `no agent CLI found on PATH (${found.map((f) => f.program).join(", ")}): using swarm's built-in scripted agent, which follows the \`\`\`recipe block of a ticket`,
    };
  }
  return {
    kinds: have.map((f) => f.kind),
    default_kind: have[0]!.kind,
    because: `found ${have.map((f) => `${f.program} (${f.version ?? "version unknown"})`).join(", ")}`,
  };
}

export interface ConfigChange {
  key: string;
  value: unknown;
  previous: unknown;
}

/**
 * Writes the coordinator's settings for this repository into the config file, each key
 * validated by the daemon (config.set), in an order every intermediate file is valid in:
 * the repository before the agent kinds that need it. Returns what changed.
 */
export async function configureCoordinator(
  c: CliContext,
  o: { repo: string; workspace: string; choice: AgentChoice; provider: string | undefined },
): Promise<ConfigChange[]> {
  const current = (await c.call("config.get", {})).value as {
    coordinator: { repo: string | null; repos: Record<string, string>; agent_kinds: string[]; default_agent_kind: string; provider: string };
    env: { default_provider: string };
  };
  const cur = current.coordinator;
  const kinds = [...new Set([...o.choice.kinds, ...cur.agent_kinds])];
  const wanted: [string, unknown, unknown][] = [
    ["coordinator.repo", o.repo, cur.repo],
    [`coordinator.repos.${o.workspace}`, o.repo, cur.repos[o.workspace]],
    ["coordinator.agent_kinds", kinds, cur.agent_kinds],
    ["coordinator.default_agent_kind", o.choice.default_kind, cur.default_agent_kind],
  ];
  if (o.provider) wanted.push(["coordinator.provider", o.provider, cur.provider], ["env.default_provider", o.provider, current.env.default_provider]);
  const changes: ConfigChange[] = [];
  for (const [key, value, previous] of wanted) {
    if (JSON.stringify(value) === JSON.stringify(previous)) continue;
    // a project name may hold a dot (a folder like `my.app`), which a dotted key path would split:
    // the project's entry is written as part of the whole coordinator.repos map
    const set = key === `coordinator.repos.${o.workspace}` ? { key: "coordinator.repos", value: { ...cur.repos, [o.workspace]: value } } : { key, value };
    await c.call("config.set", set);
    changes.push({ key, value, previous });
  }
  return changes;
}

/** The sample ticket; for the scripted agent it carries the recipe that does what the text asks. */
export function sampleTicket(workspace: string, scripted: boolean): string {
  const recipe = scripted
    ? `
The scripted agent follows the recipe below; an agent CLI reads the sentence above.

\`\`\`recipe
write HELLO.md <<EOF
# Hello

Hello from swarm's scripted agent.
EOF
run cat HELLO.md
exit
\`\`\`
`
    : "";
  return `---
id: example-hello
title: Say hello
priority: 1
labels: [example]
depends_on: []
workspace: ${workspace}
approval: true
---
Add a file \`HELLO.md\` at the root of the repository that says hello.
${recipe}
This is a sample ticket created by \`swarmctl init\`. Tickets in this folder are synced
into the queue while the daemon watches the folder; edit or delete this one freely.
`;
}
