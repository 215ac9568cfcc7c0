import { USAGE_EXIT_CODE } from "../protocol/errors.js";
import { EXIT } from "../protocol/exit-codes.js";
import { writeSection } from "./lib.js";

/**
 * `npm run bench [-- NAME…]`: runs each benchmark (ours and its peer side by side) and
 * writes its section of docs/benchmarks.md. A bench module exports `run(): Promise<string>`.
 */
const BENCHES: Record<string, () => Promise<{ run(): Promise<string> }>> = {
  rpc: () => import("./rpc.js"),
  worktree: () => import("./worktree.js"),
  sandbox: () => import("./sandbox.js"),
  env: () => import("./env.js"),
  vm: () => import("./vm.js"),
  runtime: () => import("./runtime.js"),
  scale: () => import("./scale.js"),
  tickets: () => import("./tickets.js"),
  tui: () => import("./tui.js"),
  wake: () => import("./wake.js"),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in BENCHES));
  if (unknown.length) {
    process.stderr.write(`unknown bench: ${unknown.join(", ")}; known: ${Object.keys(BENCHES).join(", ")}\n`);
    process.exit(USAGE_EXIT_CODE);
  }
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  let failed = 0;
  for (const name of names) {
    process.stderr.write(`bench ${name}…\n`);
    try {
      const mod = await BENCHES[name]!();
      const section = await mod.run();
      writeSection(name, section);
      process.stdout.write(section + "\n\n");
    } catch (err) {
      failed++;
      process.stderr.write(`bench ${name} failed: ${(err as Error).stack ?? err}\n`);
    }
  }
  process.exit(failed ? EXIT.failed : EXIT.ok);
}

void main();
