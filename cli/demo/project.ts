/**
 * What `swarm demo` builds: a tiny shell-script calculator as the scratch repository, and a
 * fork-join workflow over it (plan → four parallel pieces → a release that merges them and
 * waits for your approval), every ticket carrying the recipe the scripted agent follows.
 * Tickets run on branches cut from the repository's first commit; the release merges the
 * four ticket branches, so its approval shows the whole change.
 */

export const DEMO_WORKSPACE = "swarm-demo";

export const REPO_FILES: Record<string, string> = {
  "README.md": "# calc\n\nA tiny calculator in shell, built by swarm's scripted agents (`swarm demo`).\n",
  "test.sh": `#!/bin/sh
# runs every operation the agents wrote
set -e
for op in src/*.sh; do
  [ -e "$op" ] || { echo "no operations yet"; exit 0; }
  sh "$op" 6 3 >/dev/null && echo "ok $op"
done
`,
};

const steps = (...lines: string[]) => ["```recipe", ...lines, "exit", "```"].join("\n");

function operation(name: string, symbol: string, expr: string): { title: string; body: string } {
  return {
    title: `Implement ${name}`,
    body: `Add src/${name}.sh: prints A ${symbol} B for two integers.

${steps(
  `say reading the plan for ${name}`,
  "sleep 1500ms",
  `write src/${name}.sh <<EOF`,
  "#!/bin/sh",
  `# ${name}: A ${symbol} B`,
  `echo $((${expr}))`,
  "EOF",
  `run sh src/${name}.sh 6 3`,
  "sleep 1500ms",
)}`,
  };
}

export interface DemoTicket {
  key: string;
  title: string;
  body: string;
  depends_on: string[];
  requires_approval?: boolean;
}

/** The workflow, by key; ids are `demo-N-KEY` so a second demo never collides with the first. */
export function demoTickets(id: (key: string) => string): DemoTicket[] {
  const pieces = ["add", "sub", "mul", "docs"];
  const merge = ["plan", ...pieces].map((k) => `swarm/ticket-${id(k)}`).join(" ");
  return [
    {
      key: "plan",
      title: "Plan the calculator",
      depends_on: [],
      body: `Write PLAN.md: the operations to build and who builds them.

${steps("say thinking about the operations", "sleep 2s", "write PLAN.md <<EOF", "# Plan", "", "- add, sub, mul: one script each in src/", "- docs/usage.md", "- release: merge, test, changelog", "EOF")}`,
    },
    { key: "add", depends_on: ["plan"], ...operation("add", "+", "$1 + $2") },
    { key: "sub", depends_on: ["plan"], ...operation("sub", "-", "$1 - $2") },
    { key: "mul", depends_on: ["plan"], ...operation("mul", "*", "$1 * $2") },
    {
      key: "docs",
      title: "Document usage",
      depends_on: ["plan"],
      body: `Write docs/usage.md.

${steps("sleep 1s", "write docs/usage.md <<EOF", "# Usage", "", "    sh src/add.sh 6 3   # 9", "    sh src/mul.sh 6 3   # 18", "EOF", "sleep 2s")}`,
    },
    {
      key: "release",
      title: "Release 0.1",
      depends_on: pieces,
      requires_approval: true,
      body: `Merge the plan and the four pieces, run the tests, write the changelog. Needs your approval.

${steps(
  `run git -c user.name=swarm-demo -c user.email=demo@localhost merge -q --no-edit ${merge}`,
  "run sh test.sh",
  "write CHANGELOG.md <<EOF",
  "# 0.1",
  "",
  "- add, sub, mul",
  "- usage docs",
  "EOF",
  "post merged add, sub, mul and docs; sh test.sh passes; ready for review",
  "sleep 1s",
)}`,
    },
  ];
}
