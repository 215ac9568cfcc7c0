import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createFileLogger, redact } from "../../daemon/log/logger.js";
import { startDaemon } from "../helpers/daemon.js";

describe("structured logs", () => {
  it("redacts secret-looking keys at any depth", () => {
    const out = redact({ user: "a", api_key: "sk-1", nested: { Authorization: "Bearer x", list: [{ password: "p" }] } });
    expect(JSON.stringify(out)).not.toMatch(/sk-1|Bearer x|"p"/);
    expect(out).toMatchObject({ user: "a", api_key: "[redacted]" });
  });

  it("writes one JSON object per line, and counts repeats of the same error instead of writing them", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "swarm-log-")), "x.log");
    const log = createFileLogger(file, "info").child({ rid: "c1-1" });
    log.debug("hidden");
    for (let i = 0; i < 50; i++) log.error("disk full", { token: "t0ps3cret" });
    log.info("done");
    const lines = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(["disk full", "done"]);
    expect(lines[0]).toMatchObject({ level: "error", rid: "c1-1", token: "[redacted]" });
    expect(fs.readFileSync(file, "utf8")).not.toContain("t0ps3cret");
  });

  it("the daemon logs each request with its request id", async () => {
    const d = await startDaemon();
    const c = await d.client();
    await c.call("config.set", { key: "log.level", value: "debug" });
    await c.call("daemon.ping", { data: "hello" });
    await d.stop();
    const lines = fs
      .readFileSync(d.paths.logFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const req = lines.filter((l) => l.msg === "request" && l.method === "daemon.ping");
    expect(req.length).toBeGreaterThan(0);
    expect(req[0].rid).toMatch(/^c\d+-\d+$/);
  });
});
