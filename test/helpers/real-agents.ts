/**
 * The rig for tests that drive the real agent CLIs (Claude Code, Codex, Gemini CLI) offline:
 * a loopback-only network namespace, a scripted model stub inside it (test/fixtures/model-stub.mjs:
 * what each turn does is written in the prompt, e.g. `STUB:CALL post_message {...}`), a seeded
 * HOME / CODEX_HOME so no onboarding, trust or API-key screen shows, and a real swarmd started
 * inside the namespace, so every runtime it starts — and every child those agents spawn,
 * `swarmctl mcp` included — can reach nothing but the stub and the daemon's Unix socket.
 *
 *   const why = realAgentsUnavailable(["claude"]);
 *   describe.skipIf(why)(…)            // and say `why` in the test name or a console line
 *   const rig = await startRealAgentRig();
 *   await rig.client.call("runtime.start", { name: "a", agent: "claude", cwd: rig.workdir });
 *   await typeAndSubmit(rig.client, "a", "STUB:SAY hello");
 *   await rig.close();
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import type { RpcClient } from "../../client/index.js";
import { resolvePaths } from "../../protocol/paths.js";
import { ROOT, startDaemon, waitFor, type TestDaemon } from "./daemon.js";
import { createNetns, netnsUnavailable, type Netns } from "./netns.js";

export type RealAgentKind = "claude" | "codex" | "gemini";

interface AgentsManifest {
  dir: string;
  packages: Record<RealAgentKind, { package: string; version: string; bin: string }>;
}

export const AGENTS_MANIFEST: AgentsManifest = JSON.parse(fs.readFileSync(path.join(ROOT, "test/agents.json"), "utf8"));
/** Where .ci/run installs the pinned CLIs; not on PATH on purpose (tests that expect "not installed" stay true). */
export const AGENTS_DIR = process.env.SWARM_TEST_AGENTS_DIR ?? AGENTS_MANIFEST.dir;
export const AGENTS_BIN = path.join(AGENTS_DIR, "node_modules/.bin");
export const MODEL_STUB = path.join(ROOT, "test/fixtures/model-stub.mjs");

/** The CLI's path, or null when it is not installed. */
export function agentBin(kind: RealAgentKind): string | null {
  const p = path.join(AGENTS_BIN, AGENTS_MANIFEST.packages[kind].bin);
  return fs.existsSync(p) ? p : null;
}

/** Why these agents cannot run here (no root/netns, or a CLI missing, with the install line), or null. */
export function realAgentsUnavailable(kinds: RealAgentKind[]): string | null {
  const ns = netnsUnavailable();
  if (ns) return ns;
  const missing = kinds.filter((k) => !agentBin(k));
  if (!missing.length) return null;
  const pkgs = missing.map((k) => `${AGENTS_MANIFEST.packages[k].package}@${AGENTS_MANIFEST.packages[k].version}`);
  return `${missing.join(", ")} not installed under ${AGENTS_DIR} (npm install --prefix ${AGENTS_DIR} ${pkgs.join(" ")}; .ci/run does this)`;
}

export interface StubRequest {
  api: "anthropic" | "openai" | "gemini" | "other";
  model?: string;
  tools?: string[];
  user?: string;
  act?: { kind: string; name?: string; text?: string; input?: unknown };
  url?: string;
}

export interface ModelStub {
  port: number;
  logFile: string;
  requests(): StubRequest[];
  /** Resolves the first request matching `pred` (scaled deadline). */
  waitRequest(what: string, pred: (r: StubRequest) => boolean, timeoutMs?: number): Promise<StubRequest>;
  stop(): Promise<void>;
}

export async function startModelStub(ns: Netns, logFile: string): Promise<ModelStub> {
  const argv = [...ns.prefix, process.execPath, MODEL_STUB, "0"];
  const proc: ChildProcess = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, STUB_LOG: logFile }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const port = await waitFor(`the model stub to listen (output: ${out})`, () => {
    const m = /listening (\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  });
  const requests = (): StubRequest[] =>
    fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as StubRequest)
      : [];
  return {
    port,
    logFile,
    requests,
    waitRequest: (what, pred, timeoutMs = 60_000) => waitFor(`the model stub to get ${what}`, () => requests().find(pred) ?? null, timeoutMs, 50),
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

const CLAUDE_KEY = "sk-ant-api03-swarmtest-abcdefghijklmnopqrst";

/**
 * Writes what each CLI reads at start so it goes straight to its prompt: Claude Code's
 * onboarding done, the API key pre-approved (it stores the key's last 20 characters) and
 * `trusted` folders (their subfolders inherit); Codex's provider pointed at the stub with
 * update checks and analytics off and `trusted` folders; Gemini's API-key auth, folder
 * trust off, usage statistics and telemetry off. Returns the environment for the agents.
 */
export function seedAgentHome(home: string, port: number, trusted: string[]): Record<string, string> {
  const base = `http://127.0.0.1:${port}`;
  fs.mkdirSync(path.join(home, ".gemini"), { recursive: true });
  const projects = Object.fromEntries(trusted.map((t) => [t, { hasTrustDialogAccepted: true, allowedTools: [] }]));
  const claude = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: AGENTS_MANIFEST.packages.claude.version,
    customApiKeyResponses: { approved: [CLAUDE_KEY.slice(-20)], rejected: [] },
    autoUpdates: false,
    projects,
  };
  fs.writeFileSync(path.join(home, ".claude.json"), JSON.stringify(claude, null, 2));
  const codexHome = path.join(home, ".codex");
  fs.mkdirSync(codexHome, { recursive: true });
  const toml = [
    `model = "gpt-5-codex"`,
    `model_provider = "stub"`,
    `check_for_update_on_startup = false`,
    ``,
    `[model_providers.stub]`,
    `name = "stub"`,
    `base_url = "${base}/v1"`,
    `wire_api = "responses"`,
    `env_key = "STUB_API_KEY"`,
    ``,
    `[analytics]`,
    `enabled = false`,
    ``,
    `[notice]`,
    `hide_full_access_warning = true`,
    ...trusted.flatMap((t) => [``, `[projects.${JSON.stringify(t)}]`, `trust_level = "trusted"`]),
    ``,
  ].join("\n");
  fs.writeFileSync(path.join(codexHome, "config.toml"), toml);
  const gemini = {
    security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    ui: { hideTips: true },
  };
  fs.writeFileSync(path.join(home, ".gemini/settings.json"), JSON.stringify(gemini, null, 2));
  return {
    HOME: home,
    // Claude Code
    ANTHROPIC_BASE_URL: base,
    ANTHROPIC_API_KEY: CLAUDE_KEY,
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    // Codex
    CODEX_HOME: codexHome,
    STUB_API_KEY: "stub-key",
    // Gemini CLI
    GEMINI_API_KEY: "stub-key",
    GOOGLE_GEMINI_BASE_URL: base,
  };
}

export interface RealAgentRig {
  ns: Netns;
  stub: ModelStub;
  daemon: TestDaemon;
  client: RpcClient;
  /** Temp root holding home/, swarm/, work/; all of it trusted by the agents. */
  root: string;
  /** A git repository to run agents in. */
  workdir: string;
  /** The agents' environment (also the daemon's): HOME, base URLs, keys, telemetry off. */
  agentEnv: Record<string, string>;
  /** Environment for `swarmctl` against this daemon. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A daemon inside a fresh loopback-only netns, with the stub and seeded agent homes. */
export async function startRealAgentRig(opts: { config?: Record<string, unknown>; tag?: string; trusted?: string[] } = {}): Promise<RealAgentRig> {
  // Not under /tmp: Gemini CLI skips a settings file any of whose ancestors is world-writable
  // (the bridge's per-runtime settings live under SWARM_HOME), so the rig lives under HOME.
  const base = process.env.SWARM_TEST_RIG_DIR ?? path.join(os.homedir(), ".cache/swarm-test-rigs");
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const root = fs.realpathSync(fs.mkdtempSync(path.join(base, "rig-")));
  const ns = createNetns(opts.tag ?? "ra");
  const cleanup: Array<() => unknown> = [() => ns.close(), () => fs.rmSync(root, { recursive: true, force: true })];
  try {
    const home = path.join(root, "home");
    const swarmHome = path.join(root, "swarm");
    const workdir = path.join(root, "work");
    for (const d of [home, swarmHome, workdir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    execFileSync("git", ["init", "-q", "-b", "main", workdir]);
    execFileSync("git", ["-C", workdir, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "init"]);
    const stub = await startModelStub(ns, path.join(root, "stub.log"));
    cleanup.unshift(() => stub.stop());
    // Codex resolves trust at the git repository's root, so the repo is named as well as the root
    const agentEnv = seedAgentHome(home, stub.port, [root, workdir, ...(opts.trusted ?? [])]);
    const env: NodeJS.ProcessEnv = { ...process.env, ...agentEnv, SWARM_HOME: swarmHome, NO_COLOR: "1", PATH: `${AGENTS_BIN}:${process.env.PATH}` };
    delete env.XDG_RUNTIME_DIR;
    delete env.SWARM_RUNTIME_DIR;
    const daemon = await startDaemon({ home: { home: swarmHome, env, paths: resolvePaths(env) }, config: opts.config, wrap: ns.prefix });
    cleanup.unshift(() => daemon.stop());
    const client = await daemon.client();
    cleanup.unshift(() => killRuntimes(client));
    return {
      ns,
      stub,
      daemon,
      client,
      root,
      workdir,
      agentEnv,
      env: daemon.env,
      close: async () => {
        for (const f of cleanup) await Promise.resolve(f()).catch(() => undefined);
      },
    };
  } catch (err) {
    for (const f of cleanup) await Promise.resolve(f()).catch(() => undefined);
    throw err;
  }
}

async function killRuntimes(c: RpcClient): Promise<void> {
  const { runtimes } = await c.call<{ runtimes: Array<{ name: string; state: string }> }>("runtime.list", { all: true });
  await Promise.all(runtimes.filter((r) => r.state !== "exited").map((r) => c.call("runtime.kill", { name: r.name }).catch(() => undefined)));
}

/** The visible screen as text. */
export async function screenText(c: RpcClient, name: string): Promise<string> {
  const s = await c.call<{ lines: string[] }>("runtime.screen", { name });
  return s.lines.join("\n");
}

export async function waitScreenText(c: RpcClient, name: string, what: string, pred: (text: string) => boolean, timeoutMs = 60_000): Promise<string> {
  let last = "";
  try {
    return await waitFor(
      `${name}'s screen to show ${what}`,
      async () => {
        last = await screenText(c, name);
        return pred(last) ? last : null;
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- last screen ---\n${last}`);
  }
}

/**
 * Types `text` as keystrokes and presses Enter apart (raw `runtime.input`, not `runtime.send`,
 * so a harness test does not depend on the delivery code under test elsewhere).
 */
export async function typeAndSubmit(c: RpcClient, name: string, text: string, enterDelayMs = 600): Promise<void> {
  await c.call("runtime.input", { name, data: text });
  await waitScreenText(c, name, `the typed text "${text}"`, (s) => s.replace(/\s+/g, "").includes(text.replace(/\s+/g, "")));
  // a pause the CLIs need, not a synchronisation: Gemini and Codex drop an Enter that arrives with the text
  await new Promise((r) => setTimeout(r, enterDelayMs));
  await c.call("runtime.input", { name, data: "\r" });
}

/** How each CLI looks when it sits at its prompt, ready for a task. */
export const READY: Record<RealAgentKind, (screen: string) => boolean> = {
  claude: (s) => /^❯ *$/m.test(s) && s.includes("─"),
  codex: (s) => /^› /m.test(s),
  gemini: (s) => s.includes("Type your message"),
};
