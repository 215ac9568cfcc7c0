import headless from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { parseSize, parseVars } from "../../cli/commands/runtime-session.js";
import { installReplies } from "../../daemon/runtime/terminal-replies.js";
import { pinSession } from "../../daemon/runtime/sessions.js";

const ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

describe("pinSession: the session a start runs under", () => {
  it("pins a fresh UUID for claude/gemini, keeps a named one, leaves others alone", () => {
    const pinned = pinSession("claude", ["/opt/bin/claude", "--model", "x"], undefined);
    expect(pinned.command.slice(0, 3)).toEqual(["/opt/bin/claude", "--model", "x"]);
    expect(pinned.command.slice(3, 4)).toEqual(["--session-id"]);
    expect(pinned.command[4]).toBe(pinned.sessionId);
    expect(pinSession("gemini", ["gemini"], ID)).toEqual({ command: ["gemini", "--session-id", ID], sessionId: ID });
    expect(pinSession("claude", ["claude", "--resume", ID, "hi"], undefined)).toEqual({ command: ["claude", "--resume", ID, "hi"], sessionId: ID });
    expect(pinSession("claude", ["claude", "--continue"], undefined).sessionId).toBeUndefined();
    expect(pinSession("codex", ["codex", "exec", "resume", ID, "go"], undefined).sessionId).toBe(ID);
    expect(pinSession("codex", ["codex"], undefined)).toEqual({ command: ["codex"], sessionId: undefined });
    // a wrapper is not the agent: nothing is added to someone else's argv
    expect(pinSession("claude", ["npx", "claude"], undefined)).toEqual({ command: ["npx", "claude"], sessionId: undefined });
    expect(() => pinSession("claude", ["claude"], "last")).toThrow(/UUID/);
  });
});

describe("CLI forms", () => {
  it("parseSize takes COLSxROWS and nothing else", () => {
    expect(parseSize("120x40")).toEqual({ cols: 120, rows: 40 });
    expect(parseSize("80X24")).toEqual({ cols: 80, rows: 24 });
    for (const bad of ["120", "120x", "x40", "120*40", "0x40", "120x1000", "-1x5"]) expect(() => parseSize(bad), bad).toThrow(/COLSxROWS/);
  });
  it("parseVars: KEY=VALUE, KEY from the environment, '=' inside values", () => {
    expect(parseVars(["A=1", "B=x=y", "C"], { C: "from-env" })).toEqual({ A: "1", B: "x=y", C: "from-env" });
    expect(parseVars(undefined)).toBeUndefined();
    expect(() => parseVars(["C"], {})).toThrow(/not set/);
    expect(() => parseVars(["A-B=1"])).toThrow(/not a variable name/);
  });
});

describe("kitty keyboard flags follow what the program pushed", () => {
  it("answers CSI ? u with the current flags through push, set and pop", async () => {
    const t = new headless.Terminal({ cols: 20, rows: 5, allowProposedApi: true });
    const replies: string[] = [];
    installReplies(t, (d) => replies.push(d));
    const ask = async (seq: string) => {
      replies.length = 0;
      await new Promise<void>((r) => t.write(seq + "\x1b[?u", r));
      return replies.join("");
    };
    expect(await ask("")).toBe("\x1b[?0u");
    expect(await ask("\x1b[>1u")).toBe("\x1b[?1u");
    expect(await ask("\x1b[=4;2u")).toBe("\x1b[?5u");
    expect(await ask("\x1b[>8u")).toBe("\x1b[?8u");
    expect(await ask("\x1b[<u")).toBe("\x1b[?5u");
    expect(await ask("\x1b[<5u")).toBe("\x1b[?0u");
    t.dispose();
  });
});
