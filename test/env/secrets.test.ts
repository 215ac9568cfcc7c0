import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_KINDS } from "../../protocol/errors.js";
import { startWorld, type EnvWorld } from "./fixture.js";

const SECRET = "sk-live-PLAINTEXT-0f9e8d7c6b5a";
const PROJECT_SECRET = "project-only-PLAINTEXT-123456";

let w: EnvWorld;
beforeAll(async () => {
  w = await startWorld();
  expect((await w.ctl(["env", "create", "sec", "--repo", w.repo, "--project", "alpha"])).code).toBe(0);
  expect((await w.ctl(["env", "create", "other", "--repo", w.repo, "--project", "beta"])).code).toBe(0);
});
afterAll(async () => {
  await w?.dispose();
});

/** Every file under SWARM_HOME (database, WAL, logs, key file excluded) as one buffer. */
function homeBytes(): Buffer {
  const out: Buffer[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "providers") walk(p);
      } else if (e.isFile()) out.push(fs.readFileSync(p));
    }
  };
  walk(w.d.home);
  return Buffer.concat(out);
}

describe("secrets and variables", () => {
  it("secret set --stdin / VALUE; forwarded into env run; project scope overrides global and stays in its project", async () => {
    expect((await w.ctl(["secret", "set", "API_KEY", "--stdin"], { input: SECRET + "\n" })).code).toBe(0);
    expect((await w.ctl(["secret", "set", "SCOPED", "global-value"])).code).toBe(0);
    expect((await w.ctl(["secret", "set", "SCOPED", PROJECT_SECRET, "--project", "alpha"])).code).toBe(0);
    expect((await w.ctl(["secret", "set", "GREETING", "hello", "--plain"])).code).toBe(0);
    const a = await w.ctl(["env", "run", "sec", "--", "sh", "-c", 'printf "%s|%s|%s" "$API_KEY" "$SCOPED" "$GREETING"']);
    expect(a.stdout).toBe(`${SECRET}|${PROJECT_SECRET}|hello`);
    const b = await w.ctl(["env", "run", "other", "--", "sh", "-c", 'printf "%s|%s" "$API_KEY" "$SCOPED"']);
    expect(b.stdout).toBe(`${SECRET}|global-value`);
  });

  it("list never prints a secret's value (human or --json); plain values are shown", async () => {
    const human = await w.ctl(["secret", "list"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/API_KEY\s+\(global\)\s+secret\s+\*{8}/);
    expect(human.stdout).toMatch(/GREETING\s+\(global\)\s+plain\s+hello/);
    const json = await w.ctl(["--json", "secret", "list"]);
    for (const out of [human.stdout, json.stdout]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(PROJECT_SECRET);
    }
    const parsed = JSON.parse(json.stdout) as { key_source: string; entries: { name: string; value: string | null }[] };
    expect(parsed.key_source).toBe("file");
    expect(parsed.entries.find((e) => e.name === "API_KEY")!.value).toBeNull();
  });

  it("at rest: neither the database (with WAL) nor the logs contain the plaintext; key file is 0600", async () => {
    const bytes = homeBytes();
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.includes(Buffer.from("hello"))).toBe(true); // the scan does see stored values (plain ones)
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from(PROJECT_SECRET))).toBe(false);
    const key = path.join(w.d.home, "secrets.key");
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
  });

  it("rm removes; bad names and missing entries are clear errors", async () => {
    expect((await w.ctl(["secret", "rm", "SCOPED", "--project", "alpha"])).code).toBe(0);
    const a = await w.ctl(["env", "run", "sec", "--", "sh", "-c", 'printf "%s" "$SCOPED"']);
    expect(a.stdout).toBe("global-value");
    const missing = await w.ctl(["secret", "rm", "SCOPED", "--project", "alpha"]);
    expect(missing.code).toBe(ERROR_KINDS.NOT_FOUND.exitCode);
    expect(missing.stderr).toMatch(/no variable or secret SCOPED in project "alpha"/);
    expect(missing.stderr).toMatch(/hint: SCOPED is in the global scope \(drop --project\)/);
    expect((await w.ctl(["secret", "set", "ONLYPROJ", "v", "--project", "beta"])).code).toBe(0);
    const wrongScope = await w.ctl(["secret", "rm", "ONLYPROJ"]);
    expect(wrongScope.code).toBe(ERROR_KINDS.NOT_FOUND.exitCode);
    expect(wrongScope.stderr).toMatch(/no variable or secret ONLYPROJ in the global scope\nhint: ONLYPROJ is in project beta \(--project beta\)/);
    const bad = await w.ctl(["secret", "set", "1BAD-NAME", "x"]);
    expect(bad.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(bad.stderr).toMatch(/variable names use letters, digits and '_'/);
    const none = await w.ctl(["secret", "set", "NOVALUE"]);
    expect(none.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(none.stderr).toMatch(/give VALUE or --stdin/);
  });

  it("secrets survive a daemon restart (same key file)", async () => {
    await w.d.stop();
    w.d = await w.d.restart();
    const a = await w.ctl(["env", "run", "sec", "--", "sh", "-c", 'printf "%s" "$API_KEY"']);
    expect(a.stdout).toBe(SECRET);
  });
});
