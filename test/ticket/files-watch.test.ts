import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { EventRecord } from "../../protocol/events.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon;
let c: RpcClient;
let tdir: string;
const N = 200;
const id = (i: number) => `f-${String(i).padStart(3, "0")}`;
const file = (i: number) => path.join(tdir, `${id(i)}.md`);

function write(i: number, title: string, priority = 0): void {
  // Every 10th ticket depends on the next one, which a burst may create after it.
  const deps = i % 10 === 0 && i + 1 < N ? `depends_on: [${id(i + 1)}]\n` : "";
  fs.writeFileSync(file(i), `---\nid: ${id(i)}\ntitle: ${title}\npriority: ${priority}\nlabels: [burst]\n${deps}---\nBody of ${id(i)}.\n`);
}

async function byId(): Promise<Map<string, Ticket>> {
  const r = await c.call<{ tickets: Ticket[] }>("ticket.list", { label: "burst", limit: 10000 });
  return new Map(r.tickets.map((t) => [t.id, t]));
}

beforeAll(async () => {
  tdir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-tickets-dir-"));
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
  fs.rmSync(tdir, { recursive: true, force: true });
});

describe("tickets as files", () => {
  it("200 files created, edited, deleted and restored in bursts end in the right state; malformed files are reported", async () => {
    const w = await c.call<{ dir: string }>("ticket.watch", { dir: tdir });
    expect(w.dir).toBe(tdir);

    for (let i = 0; i < N; i++) write(i, `ticket ${i}`); // parents after children: a dependency may arrive in a later batch
    await waitFor(
      "200 tickets from files",
      async () => {
        const m = await byId();
        return m.size === N && [...m.values()].every((t) => t.state !== "cancelled" && t.source_file === file(Number(t.id.slice(2))));
      },
      30_000,
      100,
    );
    const first = await byId();
    expect(first.get(id(10))!.depends_on).toEqual([id(11)]);
    expect(first.get(id(10))!.state).toBe("backlog");
    expect(first.get(id(11))!.state).toBe("ready");
    expect(first.get(id(5))!.body).toBe(`Body of ${id(5)}.`);

    // Burst 2: edit 100, delete 50, add 5 malformed files.
    for (let i = 0; i < 100; i++) write(i, `edited ${i}`, i % 7);
    for (let i = 150; i < N; i++) fs.rmSync(file(i));
    const bad = [
      "---\ntitle: [unclosed\n---\n",
      "no front matter\n",
      "---\ntitle: x\nbogus_key: 1\n---\n",
      "---\nid: ../evil\ntitle: x\n---\n",
      "---\npriority: 1\n---\n",
      `---\ntitle: huge\n---\n${"z".repeat(300 * 1024)}\n`,
    ];
    bad.forEach((text, k) => fs.writeFileSync(path.join(tdir, `bad-${k}.md`), text));
    await waitFor(
      "edits and deletions",
      async () => {
        const m = await byId();
        for (let i = 0; i < 100; i++) if (m.get(id(i))!.title !== `edited ${i}` || m.get(id(i))!.priority !== i % 7) return false;
        for (let i = 150; i < N; i++) if (m.get(id(i))!.state !== "cancelled") return false;
        for (let i = 100; i < 150; i++) if (m.get(id(i))!.title !== `ticket ${i}` || m.get(id(i))!.state === "cancelled") return false;
        return true;
      },
      30_000,
      100,
    );
    const errors = await waitFor(
      "a file error for each malformed file",
      async () => {
        const evs = (await c.call<{ events: EventRecord[] }>("event.list", { types: ["ticket.file_error"], limit: 10000 })).events;
        const files = new Set(evs.map((e) => path.basename(String(e.data.file))));
        return bad.every((_, k) => files.has(`bad-${k}.md`)) ? evs : null;
      },
      30_000,
      100,
    );
    const msg = (k: number) => JSON.stringify(errors.find((e) => String(e.data.file).endsWith(`bad-${k}.md`))!.data.problems);
    expect(msg(1)).toMatch(/no front matter/);
    expect(msg(2)).toMatch(/unknown front matter key\(s\) bogus_key/);
    expect(msg(4)).toMatch(/title/);
    expect(msg(5)).toMatch(/the limit is 262144 \(tickets.max_body_bytes\)/);
    const hist = await c.call<{ transitions: { to: string; reason: string | null }[] }>("ticket.history", { id: id(160) });
    expect(hist.transitions[hist.transitions.length - 1]).toMatchObject({ to: "cancelled", reason: expect.stringContaining("ticket file deleted") });
    expect(hist.transitions[0]).toMatchObject({ to: "backlog", reason: "created" }); // history kept

    // Burst 3: restore 10 deleted files; break a good one (the ticket keeps its last good state).
    for (let i = 150; i < 160; i++) write(i, `restored ${i}`);
    fs.writeFileSync(file(0), "---\ntitle: [broken\n---\n");
    await waitFor(
      "restored tickets",
      async () => {
        const m = await byId();
        for (let i = 150; i < 160; i++) if (m.get(id(i))!.state === "cancelled" || m.get(id(i))!.title !== `restored ${i}`) return false;
        return true;
      },
      30_000,
      100,
    );
    await waitFor(
      "error for the broken edit",
      async () => {
        const evs = (await c.call<{ events: EventRecord[] }>("event.list", { types: ["ticket.file_error"], limit: 10000 })).events;
        return evs.some((e) => e.data.file === file(0));
      },
      30_000,
      100,
    );
    const after = await byId();
    expect(after.get(id(0))).toMatchObject({ title: "edited 0", state: "backlog" });
    expect(after.size).toBe(N);
    const lint = await c.call<{ ok: boolean; problems: { file: string }[] }>("ticket.lint", { dir: tdir });
    expect(lint.ok).toBe(false);
    expect(new Set(lint.problems.map((p) => path.basename(p.file)))).toEqual(new Set([`${id(0)}.md`, ...bad.map((_, k) => `bad-${k}.md`)]));
  });

  it("the watch survives a daemon SIGKILL; a file deleted while it was down cancels its ticket at start", async () => {
    write(100, "changed while down");
    await d.kill();
    fs.rmSync(file(101));
    write(102, "edited while down");
    d = await d.restart();
    c = await d.client();
    await waitFor(
      "reconciled after restart",
      async () => {
        const m = await byId();
        return m.get(id(101))!.state === "cancelled" && m.get(id(102))!.title === "edited while down" && m.get(id(100))!.title === "changed while down";
      },
      30_000,
      100,
    );
    expect((await c.call<{ dirs: { dir: string; from: string }[] }>("ticket.watches", {})).dirs).toEqual([{ dir: tdir, from: "rpc" }]);
    write(103, "live again");
    await waitFor("watcher live after restart", async () => (await byId()).get(id(103))!.title === "live again", 30_000, 100);
  });
});

describe("tickets.watch in the config", () => {
  it("a folder added to tickets.watch is synced and watched; a missing one is reported, not fatal", async () => {
    const cdir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-tickets-cfg-"));
    fs.writeFileSync(path.join(cdir, "cfg-one.md"), "---\ntitle: from config\nlabels: [cfg]\n---\n");
    await c.call("config.set", { key: "tickets.watch", value: [cdir, path.join(cdir, "missing")] });
    const cfgTickets = async () => (await c.call<{ tickets: Ticket[] }>("ticket.list", { label: "cfg" })).tickets;
    await waitFor("ticket from a config folder", async () => (await cfgTickets()).some((t) => t.id === "cfg-one"), 15_000, 50);
    const dirs = (await c.call<{ dirs: { dir: string; from: string }[] }>("ticket.watches", {})).dirs;
    expect(dirs).toContainEqual({ dir: cdir, from: "config" });
    await waitFor(
      "watch_error for the missing folder",
      async () => {
        const evs = (await c.call<{ events: EventRecord[] }>("event.list", { types: ["ticket.watch_error"] })).events;
        return evs.some((e) => String(e.data.message).includes("no folder"));
      },
      15_000,
      50,
    );
    fs.writeFileSync(path.join(cdir, "cfg-two.md"), "---\ntitle: live\nlabels: [cfg]\n---\n");
    await waitFor("live file in the config folder", async () => (await cfgTickets()).some((t) => t.id === "cfg-two"), 15_000, 50);
    const unwatchCfg = await c.call("ticket.unwatch", { dir: cdir }).catch((e: Error & { kind?: string }) => e);
    expect((unwatchCfg as { kind?: string }).kind).toBe("CONFLICT");
    fs.rmSync(cdir, { recursive: true, force: true });
  });

  it("bad folders are refused with what to do", async () => {
    const kindOf = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: { kind?: string; message: string }) => `${e.kind}: ${e.message}`,
      );
    expect(await kindOf(c.call("ticket.watch", { dir: "relative/tickets" }))).toMatch(/^INVALID_ARGUMENT: .*must be an absolute path/);
    expect(await kindOf(c.call("ticket.watch", { dir: "/nonexistent/tickets" }))).toMatch(/^NOT_FOUND: no folder/);
    const f = path.join(os.tmpdir(), `swarm-not-a-dir-${process.pid}.md`);
    fs.writeFileSync(f, "x");
    expect(await kindOf(c.call("ticket.lint", { dir: f }))).toMatch(/^INVALID_ARGUMENT: .* is not a folder/);
    fs.rmSync(f);
  });
});
