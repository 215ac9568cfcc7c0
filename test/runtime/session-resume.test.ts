import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import { swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { show, useDaemon, waitExited } from "./runtime-helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A stand-in agent CLI named like the real one (the daemon pins and resumes sessions only
 * for the agent's own program): it appends its argv and the variables named in
 * $STANDIN_SHOW to $STANDIN_LOG, one JSON line per start, then runs `body` (sh).
 */
function standIn(dir: string, name: string, body = "exec sleep 100000"): string {
  const bin = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const script = `#!/bin/sh
node -e 'const e={};for(const k of (process.env.STANDIN_SHOW||"").split(",").filter(Boolean))e[k]=process.env[k]??null;require("fs").appendFileSync(process.env.STANDIN_LOG, JSON.stringify({argv:process.argv.slice(1),env:e})+"\\n")' -- "$@"
${body}
`;
  fs.writeFileSync(bin, script, { mode: 0o755 });
  return bin;
}

const starts = (log: string): { argv: string[]; env: Record<string, string | null> }[] =>
  fs.existsSync(log)
    ? fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe("session ids are recorded and resumed by that exact id (issue 11, defect 5)", () => {
  let d: TestDaemon;
  let c: RpcClient;
  useDaemon((dd) => (d = dd));
  const client = async () => (c ??= await d.client());
  const ctl = (...args: string[]) => swarmctl(d.env, args);

  it("claude: a UUID is pinned with --session-id at start, shown by show/list --json, and resumed with --resume", async () => {
    const dir = path.join(d.home, "bin-claude");
    const log = path.join(d.home, "claude.jsonl");
    const bin = standIn(dir, "claude");
    const vars = { STANDIN_LOG: log };
    const r = await (await client()).call<Runtime>("runtime.start", { name: "cl", agent: "claude", command: [bin], cwd: d.home, vars });
    expect(r.session_id).toMatch(UUID);
    await waitFor("the stand-in to start", () => starts(log).length === 1);
    // the thread bridge's own arguments follow ours
    expect(starts(log)[0]!.argv.slice(0, 2)).toEqual(["--session-id", r.session_id]);
    const shown = JSON.parse((await ctl("runtime", "show", "cl", "--json")).stdout);
    expect(shown.session_id).toBe(r.session_id);
    const listed = JSON.parse((await ctl("runtime", "list", "--json")).stdout).find((x: Runtime) => x.name === "cl");
    expect(listed.session_id).toBe(r.session_id);

    // a running runtime is not resumed: CONFLICT (exit 4), nothing started
    const busy = await ctl("runtime", "resume", "cl");
    expect(busy.code, busy.stderr).toBe(4);
    expect(busy.stderr).toContain("resume continues a session whose runtime has ended");

    await (await client()).call("runtime.kill", { name: "cl" });
    const res = await ctl("runtime", "resume", "cl", "carry", "on", "--json");
    expect(res.code, res.stderr).toBe(0);
    const next = JSON.parse(res.stdout);
    expect(next).toMatchObject({ name: "cl", session_id: r.session_id, generation: 2, resumed_from: r.id, headless: false });
    expect(next.id).not.toBe(r.id);
    await waitFor("the resumed stand-in to start", () => starts(log).length === 2);
    expect(starts(log)[1]!.argv.slice(0, 3)).toEqual(["--resume", r.session_id, "carry on"]);
    expect(starts(log)[1]!.argv).not.toContain("--session-id");
  });

  it("codex: the id is read from the session file it writes, and a prompt resumes headless with `codex exec resume`", async () => {
    const dir = path.join(d.home, "bin-codex");
    const log = path.join(d.home, "codex.jsonl");
    const home = path.join(d.home, "codex-home");
    const id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    // like codex: a rollout file under CODEX_HOME/sessions/YYYY/MM/DD whose first line is session_meta, held open
    const body = `day="$CODEX_HOME/sessions/2026/12/03"; mkdir -p "$day"
f="$day/rollout-2026-12-03T10-00-00-${id}.jsonl"
printf '{"type":"session_meta","payload":{"id":"${id}","cwd":"%s"}}\\n' "$PWD" > "$f"
exec 3>>"$f"; exec sleep 100000`;
    const bin = standIn(dir, "codex", body);
    await (await client()).call("runtime.start", { name: "cx", agent: "codex", command: [bin], cwd: d.home, vars: { STANDIN_LOG: log, CODEX_HOME: home } });
    await waitFor("codex's session id to be recorded", async () => (await show(await client(), "cx")).session_id === id, 15_000, 50);
    await (await client()).call("runtime.kill", { name: "cx" });
    const next = await (await client()).call<Runtime & { headless: boolean }>("runtime.resume", { name: "cx", prompt: "next step" });
    expect(next).toMatchObject({ session_id: id, headless: true, generation: 2 });
    await waitFor("the headless resume to start", () => starts(log).length === 2);
    expect(starts(log)[1]!.argv.slice(0, 4)).toEqual(["exec", "resume", id, "next step"]);
  });

  it("codex: an id printed at exit (`codex resume <id>`) is recorded from the screen", async () => {
    const dir = path.join(d.home, "bin-codex2");
    const log = path.join(d.home, "codex2.jsonl");
    const id = "11111111-2222-4333-8444-555555555555";
    const bin = standIn(dir, "codex", `read x; echo "To continue this session, run codex resume ${id}"; exit 0`);
    await (
      await client()
    ).call("runtime.start", { name: "cx2", agent: "codex", command: [bin], cwd: d.home, vars: { STANDIN_LOG: log, CODEX_HOME: path.join(d.home, "none") } });
    await waitFor("the stand-in to start", () => starts(log).length === 1);
    expect((await show(await client(), "cx2")).session_id).toBeNull();
    await (await client()).call("runtime.input", { name: "cx2", data: "q\r" });
    await waitExited(await client(), "cx2");
    expect((await show(await client(), "cx2")).session_id).toBe(id);
  });

  it("a runtime without a session id cannot be resumed, and says why", async () => {
    await (await client()).call("runtime.start", { name: "plain", command: ["/bin/sh", "-c", "exit 0"], cwd: d.home });
    await waitExited(await client(), "plain");
    const err = await errOf((await client()).call("runtime.resume", { name: "plain" }));
    expect(err.kind).toBe("INVALID_TRANSITION");
    expect(err.message).toContain("no recorded session id");
  });
});

describe("runtime start --var and runtime resize (issue 11, defect 8)", () => {
  let d: TestDaemon;
  let c: RpcClient;
  useDaemon((dd) => (d = dd));
  const ctl = (args: string[], env: NodeJS.ProcessEnv = d.env) => swarmctl(env, args);

  it("values reach the program's environment, never its argv, list, show or the daemon log; resume passes them again", async () => {
    c ??= await d.client();
    const dir = path.join(d.home, "bin");
    const log = path.join(d.home, "vars.jsonl");
    const bin = standIn(dir, "claude");
    const secret = "sk-test-" + "9".repeat(24);
    const env = { ...d.env, FROM_SHELL: "shell-value-42" };
    const start = await ctl(
      [
        "runtime",
        "start",
        "v",
        "--agent",
        "claude",
        "--cwd",
        d.home,
        "--var",
        `API_KEY=${secret}`,
        "--var",
        "FROM_SHELL",
        "--var",
        `STANDIN_LOG=${log}`,
        "--var",
        "STANDIN_SHOW=API_KEY,FROM_SHELL",
        "--",
        bin,
      ],
      env,
    );
    expect(start.code, start.stderr).toBe(0);
    await waitFor("the program to start", () => starts(log).length === 1);
    expect(starts(log)[0]!.env).toEqual({ API_KEY: secret, FROM_SHELL: "shell-value-42" });
    expect(starts(log)[0]!.argv.join(" ")).not.toContain(secret);
    for (const args of [
      ["runtime", "list"],
      ["runtime", "list", "--json"],
      ["runtime", "show", "v"],
      ["runtime", "show", "v", "--json"],
    ]) {
      const out = await ctl(args);
      expect(out.stdout, args.join(" ")).not.toContain(secret);
      expect(out.stdout, args.join(" ")).not.toContain("shell-value-42");
    }
    expect(JSON.parse((await ctl(["runtime", "show", "v", "--json"])).stdout).var_names).toEqual(["API_KEY", "FROM_SHELL", "STANDIN_LOG", "STANDIN_SHOW"]);
    expect((await ctl(["runtime", "show", "v"])).stdout).toContain("API_KEY, FROM_SHELL");
    await c.call("runtime.kill", { name: "v" });
    expect((await ctl(["runtime", "resume", "v"])).code).toBe(0);
    await waitFor("the resumed program to start", () => starts(log).length === 2);
    expect(starts(log)[1]!.env).toEqual({ API_KEY: secret, FROM_SHELL: "shell-value-42" });
    const daemonLog = fs.readFileSync(path.join(d.home, "logs", "swarmd.log"), "utf8");
    expect(daemonLog).not.toContain(secret);
  });

  it("--var with a bad name or an unset shell variable is refused, naming it", async () => {
    const bad = await ctl(["runtime", "start", "x", "--var", "1BAD=v", "--", "/bin/true"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("1BAD");
    const unset = await ctl(["runtime", "start", "x", "--var", "SURELY_NOT_SET_ANYWHERE", "--", "/bin/true"]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("SURELY_NOT_SET_ANYWHERE is not set");
  });

  it("runtime resize NAME COLSxROWS resizes; a bad shape is INVALID_ARGUMENT naming the form", async () => {
    c ??= await d.client();
    await c.call("runtime.start", { name: "rs", command: ["/bin/sh", "-c", "exec sleep 100000"], cwd: d.home });
    const ok = await ctl(["runtime", "resize", "rs", "100x30"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await show(c, "rs")).toMatchObject({ cols: 100, rows: 30 });
    for (const shape of ["100by30", "100x", "1x30", "5000x30"]) {
      const r = await ctl(["runtime", "resize", "rs", shape]);
      expect(r.code, shape).toBe(2);
      expect(r.stderr, shape).toContain("COLSxROWS");
    }
  });
});
