import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { varsScript, writeVarsFile } from "../../providers/sandbox/private-vars.js";

/** The file a sandboxed runtime's variables travel in (the end-to-end path is in test/thread/sandbox-bridge.test.ts). */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("a sandboxed runtime's private variables file", () => {
  it("sourced by sh, gives back every value as it was (quotes, $, newlines, backslashes)", () => {
    const vars = { A: "plain", B: 'it\'s "quoted" $HOME `x` \\n', C: "two\nlines", D: "" };
    const out = execFileSync("/bin/sh", ["-c", `${varsScript(vars)}printf '%s|' "$A" "$B" "$C" "$D"`], { encoding: "utf8", env: {} });
    expect(out).toBe(`${vars.A}|${vars.B}|${vars.C}|${vars.D}|`);
  });

  it("is 0600, and a file left by a start that never ran is removed after a minute, not before", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vars-"));
    dirs.push(dir);
    const first = writeVarsFile(dir, { K: "v" });
    expect(fs.statSync(first).mode & 0o777).toBe(0o600);
    const second = writeVarsFile(dir, { K: "w" }, Date.now() + 30_000);
    expect([fs.existsSync(first), fs.existsSync(second)]).toEqual([true, true]);
    writeVarsFile(dir, { K: "x" }, Date.now() + 61_000);
    expect([fs.existsSync(first), fs.existsSync(second)]).toEqual([false, false]);
  });
});
