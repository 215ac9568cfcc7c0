/**
 * The one contract every provider passes. Use it from a test file:
 *
 *   defineProviderContract("worktree", (ctx) => new WorktreeProvider(ctx));
 *
 * Rules it checks (written on providers/types.ts): create on an existing name is CONFLICT;
 * bad names and paths escaping the environment are INVALID_ARGUMENT; exec returns the
 * command's exit code and output; ptyCommand runs in a real PTY; stop/start are
 * idempotent; delete without force refuses (CONFLICT naming "uncommitted") when work would
 * be lost; status of a deleted environment is "deleted"; checkpoint/restore/list when
 * info().features.checkpoint; reclaim(spec) removes a full create (name reusable) and is a
 * no-op for a name never created.
 */
import fs from "node:fs";
import path from "node:path";
import pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SwarmError } from "../../protocol/errors.js";
import { canCheckpoint, type EnvHandle, type EnvSpec, type Provider, type ProviderContext } from "../../providers/types.js";
import { makeRepo, providerContext, tempDir } from "./fixtures.js";

export interface ContractOptions {
  /** fields merged into every EnvSpec (net, cpus, memory) */
  spec?: Partial<EnvSpec>;
  /** per-test timeout (VMs need more) */
  timeoutMs?: number;
  /** when set, the whole suite is skipped with this reason (e.g. a missing tool) */
  skipReason?: string | null;
  /** shown after the name, to tell variants of one provider apart */
  label?: string;
  /** called once after all tests, e.g. to stop helper processes */
  cleanup?: (p: Provider) => Promise<void>;
}

export async function expectKind(p: Promise<unknown>, kind: string, msg?: RegExp): Promise<SwarmError> {
  const err = await p.then(
    () => {
      throw new Error(`expected a ${kind} error, but it succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SwarmError);
  expect((err as SwarmError).kind, String((err as Error).message)).toBe(kind);
  if (msg) expect((err as Error).message).toMatch(msg);
  return err as SwarmError;
}

const text = (b: Buffer) => b.toString("utf8");

export function runInPty(
  cmd: { file: string; args: string[]; cwd: string; env: Record<string, string> },
  timeoutMs = 20_000,
  input?: string,
): Promise<{ output: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const p = pty.spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, cols: 100, rows: 30, name: "xterm-256color" });
    let output = "";
    // Typed once the program has shown something (its prompt): the terminal buffers it until read.
    if (input !== undefined) p.onData(once(() => p.write(input)));
    const timer = setTimeout(() => {
      p.kill("SIGKILL");
      reject(new Error(`pty command did not exit within ${timeoutMs} ms; output so far: ${output}`));
    }, timeoutMs);
    p.onData((d) => (output += d));
    p.onExit(({ exitCode }) => {
      clearTimeout(timer);
      resolve({ output, exitCode });
    });
  });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

export function defineProviderContract(name: string, makeProvider: (ctx: ProviderContext) => Provider | Promise<Provider>, opts: ContractOptions = {}): void {
  const t = opts.timeoutMs ?? 30_000;
  describe.skipIf(Boolean(opts.skipReason))(
    `provider contract: ${name}${opts.label ? ` (${opts.label})` : ""}${opts.skipReason ? ` (skipped: ${opts.skipReason})` : ""}`,
    () => {
      let provider: Provider;
      let repo: string;
      let h: EnvHandle;
      let stateDir: string;
      const spec = (envName: string): EnvSpec => ({
        name: envName,
        project: "contract",
        repo,
        branch: "",
        cpus: 1,
        memoryMiB: 512,
        net: "none",
        ...opts.spec,
      });
      const uniq = `c${process.pid}`;
      const main = `${uniq}-main`;

      beforeAll(async () => {
        repo = makeRepo();
        stateDir = tempDir(`swarm-contract-${name}-`);
        provider = await makeProvider(providerContext(stateDir));
      }, t);

      afterAll(async () => {
        if (h) await provider.delete(h, { force: true }).catch(() => undefined);
        if (opts.cleanup && provider) await opts.cleanup(provider);
      }, t);

      it(
        "reports its name and is available here",
        async () => {
          expect(provider.info().name).toBe(name);
          const d = await provider.detect();
          expect(d.available, `${d.reason ?? ""} ${d.installHint ?? ""}`).toBe(true);
        },
        t,
      );

      it(
        "creates a running environment with the checkout in it",
        async () => {
          h = await provider.create(spec(main));
          expect(h.name).toBe(main);
          expect(h.provider).toBe(name);
          expect((await provider.status(h)).state).toBe("running");
          const r = await provider.exec(h, ["cat", "README.md"]);
          expect(text(r.stdout)).toBe("fixture repo\n");
        },
        t,
      );

      it(
        "refuses a second create of the same name (CONFLICT) and bad names (INVALID_ARGUMENT)",
        async () => {
          await expectKind(provider.create(spec(main)), "CONFLICT", new RegExp(main));
          await expectKind(provider.create(spec("../escape")), "INVALID_ARGUMENT", /names use/);
        },
        t,
      );

      it(
        "exec returns exit code, stdout and stderr, and takes input, env and cwd",
        async () => {
          const r = await provider.exec(h, ["sh", "-c", "printf out; printf err >&2; exit 3"]);
          expect([r.exitCode, text(r.stdout), text(r.stderr)]).toEqual([3, "out", "err"]);
          expect(text((await provider.exec(h, ["cat"], { input: "from stdin" })).stdout)).toBe("from stdin");
          const env = await provider.exec(h, ["sh", "-c", 'echo "$SWARM_EXTRA $SWARM_FORWARDED"'], { env: { SWARM_EXTRA: "extra-ok" } });
          expect(text(env.stdout)).toBe("extra-ok fwd-ok\n");
          const cwd = await provider.exec(h, ["sh", "-c", "cat a.txt; basename $PWD"], { cwd: "sub" });
          expect(text(cwd.stdout)).toBe("a\nsub\n");
          await expectKind(provider.exec(h, ["true"], { cwd: "../.." }), "INVALID_ARGUMENT", /\.\./);
          await expectKind(provider.exec(h, []), "INVALID_ARGUMENT", /no command/);
        },
        t,
      );

      it(
        "a command that is not there exits 127 saying so, as a shell would",
        async () => {
          const r = await provider.exec(h, ["no-such-command-here", "x"]);
          expect(r.exitCode).toBe(127);
          expect(text(r.stderr)).toMatch(/no-such-command-here: (command )?not found|no-such-command-here: No such file or directory/);
        },
        t,
      );

      it(
        "ptyCommand runs the command in a real terminal",
        async () => {
          const cmd = await provider.ptyCommand(h, ["sh", "-c", 'test -t 0 && echo "tty-$((6*7))"; cat README.md']);
          const r = await runInPty(cmd, t - 1000);
          expect(r.output).toContain("tty-42");
          expect(r.output).toContain("fixture repo");
          expect(r.exitCode).toBe(0);
        },
        t,
      );

      it(
        "an interactive shell in ptyCommand has a terminal of its own: job control works, exit code kept",
        async () => {
          const cmd = await provider.ptyCommand(h, ["sh", "-i"]);
          const r = await runInPty(cmd, t - 1000, "echo jc-$((2+3)); stty size; exit 4\r");
          expect(r.output).toContain("jc-5");
          expect(r.output).toContain("30 100");
          expect(r.output).not.toMatch(/Cannot set tty process group|no job control/);
          expect(r.exitCode).toBe(4);
        },
        t,
      );

      it(
        "copies files and folders in and out",
        async () => {
          const host = tempDir("swarm-copy-");
          fs.writeFileSync(path.join(host, "in.txt"), "copied in\n");
          fs.mkdirSync(path.join(host, "folder"));
          fs.writeFileSync(path.join(host, "folder", "deep.txt"), "deep\n");
          await provider.copyIn(h, path.join(host, "in.txt"), "sub/in.txt");
          await provider.copyIn(h, path.join(host, "folder"), "newdir/folder");
          const r = await provider.exec(h, ["sh", "-c", "cat sub/in.txt newdir/folder/deep.txt"]);
          expect(text(r.stdout)).toBe("copied in\ndeep\n");
          await provider.exec(h, ["sh", "-c", "echo made inside > out.txt"]);
          await provider.copyOut(h, "out.txt", path.join(host, "back", "out.txt"));
          expect(fs.readFileSync(path.join(host, "back", "out.txt"), "utf8")).toBe("made inside\n");
          await provider.exec(h, ["rm", "-rf", "sub/in.txt", "newdir", "out.txt"]);
        },
        t,
      );

      it(
        "refuses copy paths that escape: '..', absolute, symlinks pointing out",
        async () => {
          const host = tempDir("swarm-copy-");
          const file = path.join(host, "f.txt");
          fs.writeFileSync(file, "x");
          await expectKind(provider.copyIn(h, file, "../evil.txt"), "INVALID_ARGUMENT", /\.\./);
          await expectKind(provider.copyIn(h, file, "sub/../../evil.txt"), "INVALID_ARGUMENT", /\.\./);
          await expectKind(provider.copyIn(h, file, "/tmp/evil.txt"), "INVALID_ARGUMENT", /absolute/);
          await expectKind(provider.copyOut(h, "../README.md", path.join(host, "o")), "INVALID_ARGUMENT", /\.\./);
          await expectKind(provider.copyOut(h, "/etc/hostname", path.join(host, "o")), "INVALID_ARGUMENT", /absolute/);
          await provider.exec(h, ["ln", "-s", "/", "rootlink"]);
          await expectKind(provider.copyOut(h, "rootlink/etc/hostname", path.join(host, "o")), "INVALID_ARGUMENT", /symlink/);
          await expectKind(provider.copyOut(h, "rootlink", path.join(host, "o")), "INVALID_ARGUMENT", /symlink/);
          await expectKind(provider.copyIn(h, file, "rootlink/tmp/swarm-contract-evil.txt"), "INVALID_ARGUMENT", /symlink/);
          expect(fs.existsSync("/tmp/swarm-contract-evil.txt")).toBe(false);
          expect(fs.existsSync(path.join(host, "o"))).toBe(false);
          await provider.exec(h, ["rm", "rootlink"]);
        },
        t,
      );

      it(
        "checkpoints, lists and restores (when it can)",
        async (ctx) => {
          if (!canCheckpoint(provider)) {
            ctx.skip();
            return;
          }
          await provider.exec(h, ["sh", "-c", "echo one > state.txt"]);
          const info = await provider.checkpoint(h, "c1");
          expect(info).toMatchObject({ name: "c1", provider: name });
          await expectKind(provider.checkpoint(h, "c1"), "CONFLICT", /c1/);
          await provider.exec(h, ["sh", "-c", "echo two > state.txt; echo new > new.txt; rm README.md"]);
          h = await provider.restore(h, "c1");
          const r = await provider.exec(h, ["sh", "-c", "cat state.txt README.md; test -e new.txt && echo new-still-there; true"]);
          expect(text(r.stdout)).toBe("one\nfixture repo\n");
          expect((await provider.listCheckpoints(h)).map((c) => c.name)).toContain("c1");
          await expectKind(provider.restore(h, "no-such-checkpoint"), "NOT_FOUND", /no-such-checkpoint/);
        },
        t,
      );

      it(
        "stops and starts, both idempotent",
        async () => {
          h = await provider.stop(h);
          expect((await provider.status(h)).state).toBe("stopped");
          h = await provider.stop(h);
          h = await provider.start(h);
          h = await provider.start(h);
          expect((await provider.status(h)).state).toBe("running");
          expect((await provider.exec(h, ["true"])).exitCode).toBe(0);
        },
        t,
      );

      it(
        "delete refuses to lose uncommitted work unless forced; the name is reusable after",
        async () => {
          await provider.exec(h, ["sh", "-c", "echo unsaved > unsaved.txt"]);
          await expectKind(provider.delete(h, { force: false }), "CONFLICT", /uncommitted/);
          expect((await provider.exec(h, ["cat", "unsaved.txt"])).exitCode).toBe(0);
          await provider.delete(h, { force: true });
          expect((await provider.status(h)).state).toBe("deleted");
          const again = await provider.create(spec(main));
          await provider.delete(again, { force: false });
          expect((await provider.status(again)).state).toBe("deleted");
        },
        t,
      );

      it(
        "reclaim after a full create removes it and the name can be created again; reclaim of a name never created is a no-op",
        async () => {
          const s = spec(`${uniq}-reclaim`);
          const made = await provider.create(s);
          expect((await provider.exec(made, ["true"])).exitCode).toBe(0);
          // a create the daemon never recorded: only the spec is known, no handle
          await provider.reclaim(s);
          expect((await provider.status(made)).state).toBe("deleted");
          if (made.hostPath) expect(fs.existsSync(made.hostPath)).toBe(false);
          const again = await provider.create(s);
          expect((await provider.exec(again, ["cat", "README.md"])).exitCode).toBe(0);
          await provider.delete(again, { force: true });
          const before = snapshot(stateDir);
          await provider.reclaim(spec(`${uniq}-never-made`));
          await provider.reclaim(spec(`${uniq}-never-made`));
          expect(snapshot(stateDir)).toEqual(before);
        },
        t,
      );
    },
  );
}

/** The paths under a folder, to show a no-op left it as it was. */
function snapshot(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}
