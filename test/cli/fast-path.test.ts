import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { swarmctl, tempHome } from "../helpers/daemon.js";
import { ERROR_KINDS, USAGE_EXIT_CODE } from "../../protocol/errors.js";

/**
 * `daemon status` runs without commander (cli/fast.ts). `--` after the command sends the
 * same command line through commander, so each case below is run both ways and compared.
 */
const h = tempHome();
afterAll(async () => {
  await swarmctl(h.env, ["daemon", "stop"]);
});

/** An import hook (in a temp file) that names every module loaded on stderr. */
function traceEnv(): NodeJS.ProcessEnv {
  const hook = path.join(h.home, "trace-hook.mjs");
  fs.writeFileSync(hook, `export async function load(url, ctx, next) { process.stderr.write("LOADED " + url + "\\n"); return next(url, ctx); }\n`);
  const reg = path.join(h.home, "trace-register.mjs");
  fs.writeFileSync(reg, `import { register } from "node:module"; register(${JSON.stringify("file://" + hook)});\n`);
  return { ...h.env, NODE_OPTIONS: `--import=${reg}` };
}

describe("swarmctl fast path", () => {
  it("daemon status prints and exits as through commander, running or not, human or --json", async () => {
    for (const args of [
      ["daemon", "status"],
      ["daemon", "status", "--json"],
      ["--json", "--no-autostart", "daemon", "status", "--timeout", "5s"],
    ]) {
      const fast = await swarmctl(h.env, args);
      const viaCommander = await swarmctl(h.env, [...args, "--"]);
      expect(fast.code).toBe(7); // nothing started it
      expect(fast).toEqual(viaCommander);
    }
    expect((await swarmctl(h.env, ["daemon", "start"])).code).toBe(0);
    const fast = await swarmctl(h.env, ["daemon", "status", "--json"]);
    const viaCommander = await swarmctl(h.env, ["daemon", "status", "--json", "--"]);
    expect(fast.code).toBe(0);
    const strip = (s: string) => ({ ...(JSON.parse(s) as Record<string, unknown>), uptime_s: 0, connections: 0 });
    expect(strip(fast.stdout)).toEqual(strip(viaCommander.stdout));
    expect(strip(fast.stdout)).toMatchObject({ running: true, pid: expect.any(Number) as number });
    const human = await swarmctl(h.env, ["daemon", "status"]);
    expect(human.stdout).toMatch(/^running {2}pid \d+, swarmd /);
  });

  it("a bad --timeout is refused with the same message and exit code both ways", async () => {
    const fast = await swarmctl(h.env, ["daemon", "status", "--timeout", "soon"]);
    const viaCommander = await swarmctl(h.env, ["daemon", "status", "--timeout", "soon", "--"]);
    expect(fast.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(fast.stderr).toMatch(/--timeout must be a duration like 500ms, 10s, 5m or 1h, got "soon"/);
    expect(fast).toEqual(viaCommander);
  });

  it("loads no commander for daemon status; help, extra arguments and a flag without its value still get commander's answers", async () => {
    const env = traceEnv();
    const fast = await swarmctl(env, ["daemon", "status"]);
    expect(fast.code).toBe(0);
    expect(fast.stderr).toMatch(/LOADED .*cli\/commands\/daemon\.js/); // the hook did run
    expect(fast.stderr).not.toMatch(/LOADED .*node_modules\/commander\//);
    const help = await swarmctl(env, ["daemon", "status", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: swarmctl daemon status \[options\]/);
    expect(help.stderr).toMatch(/LOADED .*node_modules\/commander\//);
    const extra = await swarmctl(h.env, ["daemon", "status", "now"]);
    expect(extra.code).toBe(USAGE_EXIT_CODE);
    expect(extra.stderr).toMatch(/too many arguments for 'status'/);
    const noValue = await swarmctl(h.env, ["daemon", "status", "--timeout"]);
    expect(noValue.code).toBe(USAGE_EXIT_CODE);
    expect(noValue.stderr).toMatch(/option '--timeout <duration>' argument missing/);
  });
});
