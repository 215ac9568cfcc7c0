import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { MASK } from "../../daemon/secrets/redactor.js";
import { maskRows } from "../../daemon/runtime/tmux-redact.js";
import { waitFor } from "../helpers/daemon.js";
import { startWorld, type EnvWorld } from "../env/fixture.js";
import { killAll } from "../runtime/runtime-helpers.js";

/** The holder's redaction test (redaction.test.ts), for a runtime on the tmux backend: tmux keeps the text, swarm masks what it reads. */
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;

const GLOBAL_SECRET = "sk-live-TMUXGLOBAL-5e8d21ab77c04f19";
const PROJECT_SECRET = "proj-alpha-TMUXPLAIN-9a1bd0c3e7";
const VAR_VALUE = `var-"quoted" \\ $value #{x} \u00e9-4411feedf00d`;
const PLANTED = [GLOBAL_SECRET, PROJECT_SECRET, VAR_VALUE];

// each value whole; then, in a 24-column pane, the global one wrapped across two rows
const ECHO =
  'printf "tok=%s\\n" "$API_TOKEN"; printf "alpha=%s\\n" "$ALPHA_KEY"; printf "var=%s\\n" "$MY_VAR"; printf "\\033]2;title %s\\007" "$API_TOKEN"; ' +
  'printf "%s\\n" "0123456789$API_TOKEN"; echo done; exec sleep 120';

let w: EnvWorld;
let c: RpcClient;
beforeAll(async () => {
  if (!hasTmux) return;
  w = await startWorld();
  c = await w.d.client();
  expect((await w.ctl(["env", "create", "red", "--repo", w.repo, "--project", "alpha"])).code).toBe(0);
  expect((await w.ctl(["secret", "set", "API_TOKEN", "--stdin"], { input: GLOBAL_SECRET })).code).toBe(0);
  expect((await w.ctl(["secret", "set", "ALPHA_KEY", PROJECT_SECRET, "--project", "alpha"])).code).toBe(0);
});
afterAll(async () => {
  if (!w) return;
  await killAll(w.d);
  spawnSync("tmux", ["-S", path.join(w.d.paths.runDir, "tmux.sock"), "kill-server"]);
  await w.dispose();
});

function filesWith(needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle);
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(bytes)) hits.push(p);
    }
  };
  walk(w.d.home);
  return hits;
}

interface Screen {
  lines: string[];
  scrollback?: string[];
  ansi?: string;
  title: string;
}

describe("maskRows", () => {
  it("masks a value whole in a row, wrapped across full rows, and leaves rows that only look alike alone", () => {
    const v = "abcdefghijkl";
    expect(maskRows(["x abcdefghijkl y"], 40, [v])).toEqual([`x ${MASK} y`]);
    expect(maskRows(["0123abcdefgh", "ijkl tail"], 12, [v])).toEqual([`0123${MASK}`, `${MASK} tail`]);
    // the first row is not full width, so it did not wrap: no value spans the break
    expect(maskRows(["0123abcdefgh", "ijkl tail"], 20, [v])).toEqual(["0123abcdefgh", "ijkl tail"]);
    expect(maskRows(["nothing here"], 12, [])).toEqual(["nothing here"]);
  });
});

describe.skipIf(!hasTmux)("secrets stay out of tmux runtimes' screens and files (R-O4)", () => {
  it("screen, scrollback, ansi and title show ********, also for a value wrapped across rows and after the daemon is restarted; no file under SWARM_HOME holds them", async () => {
    await c.call("runtime.start", {
      name: "tleaky",
      env: "red",
      backend: "tmux",
      cols: 24,
      rows: 20,
      command: ["sh", "-c", ECHO],
      vars: { MY_VAR: VAR_VALUE },
    });
    const read = () => c.call<Screen>("runtime.screen", { name: "tleaky", scrollback: 100, ansi: true });
    const scr = await waitFor("tleaky to print everything", async () => {
      const s = await read();
      return s.lines.includes("done") ? s : null;
    });
    const check = (s: Screen) => {
      const text = [...s.lines, ...(s.scrollback ?? []), s.ansi ?? "", s.title].join("\n");
      expect(text).toContain(`tok=${MASK}`);
      expect(text).toContain(`alpha=${MASK}`);
      expect(text).toContain(`var=${MASK}`);
      for (const v of PLANTED) expect(text).not.toContain(v);
      // no half of the wrapped value either
      expect(text).not.toContain(GLOBAL_SECRET.slice(0, 14));
      expect(text).not.toContain(GLOBAL_SECRET.slice(-14));
    };
    check(scr);
    expect(scr.lines.some((l) => l.startsWith(`0123456789${MASK}`))).toBe(true);
    const cli = await w.ctl(["runtime", "screen", "tleaky"]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`tok=${MASK}`);
    const logs = await w.ctl(["logs", "tleaky"]);
    for (const v of PLANTED) expect(logs.stdout + logs.stderr).not.toContain(v);

    // a restarted daemon adopts the session and masks the same values (kept in the tmux server, not in a file)
    await w.d.kill();
    w.d = await w.d.restart();
    c = await w.d.client();
    await waitFor("tleaky adopted", async () => (await c.call<{ state: string }>("runtime.show", { name: "tleaky" })).state !== "starting");
    check(await read());
    for (const v of PLANTED) expect(filesWith(v), `files under SWARM_HOME holding ${v}`).toEqual([]);
  }, 60_000);

  it("--no-redact on tmux shows the value as printed, and the runtime.started event says redaction was off", async () => {
    await c.call("runtime.start", {
      name: "topen",
      env: "red",
      backend: "tmux",
      redact: false,
      command: ["sh", "-c", 'printf "tok=%s\\n" "$API_TOKEN"; exec sleep 120'],
    });
    const s = await waitFor("topen's screen", async () => {
      const r = await c.call<Screen>("runtime.screen", { name: "topen" });
      return r.lines.some((l) => l.startsWith("tok=")) ? r : null;
    });
    expect(s.lines).toContain(`tok=${GLOBAL_SECRET}`);
    const { events } = await c.call<{ events: { subject: string; data: { redact?: boolean } }[] }>("event.list", { types: ["runtime.started"] });
    expect(events.find((e) => e.subject === "topen")?.data.redact).toBe(false);
    expect(events.find((e) => e.subject === "tleaky")?.data.redact).toBeUndefined();
  });
});
