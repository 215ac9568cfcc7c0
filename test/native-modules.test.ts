import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);

// A skipped native build (npm's allowScripts) must fail loudly here, not later at run time.
describe("native modules", () => {
  it("better-sqlite3 loads and runs a query", () => {
    const Database = require("better-sqlite3");
    const db = new Database(":memory:");
    expect(db.prepare("select 41 + 1 as x").get()).toEqual({ x: 42 });
    db.close();
  });

  it("node-pty loads and runs a process in a PTY", async () => {
    const pty = require("node-pty");
    const p = pty.spawn("/bin/sh", ["-c", "test -t 0 && echo tty-ok"], { cols: 80, rows: 24 });
    let out = "";
    p.onData((d: string) => (out += d));
    const code = await new Promise<number>((resolve) => p.onExit((e: { exitCode: number }) => resolve(e.exitCode)));
    expect(code).toBe(0);
    expect(out).toContain("tty-ok");
  });
});
