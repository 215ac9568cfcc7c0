import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigStore } from "../../daemon/config/config-store.js";
import type { Config, ConfigProblem } from "../../protocol/config/schema.js";
import { waitFor } from "../helpers/daemon.js";

/** The config watcher on a real directory: a file that does not exist yet, appears, is replaced atomically, goes, comes back. */
let store: ConfigStore | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

function setup(initial?: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-cfgwatch-"));
  const file = path.join(dir, "config.json");
  if (initial !== undefined) fs.writeFileSync(file, initial);
  const seen: { reloads: Config[]; invalid: ConfigProblem[][] } = { reloads: [], invalid: [] };
  store = new ConfigStore(file, { onReload: (c) => seen.reloads.push(c), onInvalid: (p) => seen.invalid.push(p) });
  store.watch();
  return { dir, file, seen, store };
}

const body = (n: number) => JSON.stringify({ tickets: { max_body_bytes: n } });
const atomicWrite = (file: string, text: string) => {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
};

describe("config watcher with no config file", () => {
  it("ignores other files in the directory, picks the file up when it appears, follows edits, its removal and its return", async () => {
    const { dir, file, seen, store: s } = setup();
    const before = s.get().tickets.max_body_bytes;
    // what SWARM_HOME sees all the time (WAL, logs): no reload for any of it
    for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(dir, `other-${i % 5}.log`), `line ${i}\n`, { flag: "a" });
    fs.writeFileSync(path.join(dir, "config.json.bak"), body(1111));
    await new Promise((r) => setTimeout(r, 300)); // a window for a wrong reload to show up; the assertions below wait with deadlines
    expect(seen).toEqual({ reloads: [], invalid: [] });
    expect(s.get().tickets.max_body_bytes).toBe(before);

    fs.writeFileSync(file, body(4096));
    await waitFor("the new file to be read", () => s.get().tickets.max_body_bytes === 4096);
    atomicWrite(file, body(8192));
    await waitFor("the atomic replace to be read", () => s.get().tickets.max_body_bytes === 8192);
    fs.writeFileSync(file, "{ not json");
    await waitFor("the broken edit to be reported", () => seen.invalid.length === 1);
    expect(s.get().tickets.max_body_bytes).toBe(8192); // the old config stays
    fs.rmSync(file);
    await waitFor("the removal to bring the defaults back", () => s.get().tickets.max_body_bytes === before);
    fs.writeFileSync(file, body(2048));
    await waitFor("the file's return to be read", () => s.get().tickets.max_body_bytes === 2048);
    expect(seen.reloads.map((c) => c.tickets.max_body_bytes)).toEqual([4096, 8192, before, 2048]);
  });

  it("a file removed and written again at once (as some editors save) is read, not lost between the two watches", async () => {
    const { file, store: s } = setup(body(3000));
    expect(s.get().tickets.max_body_bytes).toBe(3000);
    for (const n of [5000, 6000, 7000]) {
      fs.rmSync(file);
      fs.writeFileSync(file, body(n));
      await waitFor(`the rewritten file (${n}) to be read`, () => s.get().tickets.max_body_bytes === n);
    }
  });
});
