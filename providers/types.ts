/**
 * The provider interface: how an isolated environment is made, run in, and torn down.
 * A small core every provider implements, optional capabilities as separate interfaces,
 * and feature flags in `info()` so the daemon never switches on a provider's name.
 *
 * Errors: methods throw SwarmError (protocol/errors.ts) with a kind the user can act on.
 */

export type NetMode = "none" | "proxy" | "full";

export interface ProviderFeatures {
  /** implements Checkpointing */
  checkpoint: boolean;
  /** checkpoints/creation are copy-on-write (cheap) rather than full copies */
  copyOnWrite: boolean;
  /** network modes it can enforce */
  network: NetMode[];
  /** CPU/memory limits are enforced (not just counted) */
  enforcesResources: boolean;
  /** processes inside keep running while the daemon is down */
  processesOutliveDaemon: boolean;
  /** implements RestoresDeleted: a deleted environment is kept (a trash) and can be brought back */
  restoreDeleted: boolean;
  /** implements BaseImages: environments boot from a base image built on this host (`swarmctl vm init-base`) */
  baseImage: boolean;
  /** implements Closable: holds resources in the daemon's process (proxies) to release at shutdown */
  close: boolean;
}

export interface ProviderInfo {
  name: string;
  summary: string;
  features: ProviderFeatures;
}

export interface DetectResult {
  available: boolean;
  /** why not, when not available */
  reason?: string;
  /** the exact command that makes it available, e.g. `apt-get install -y bubblewrap` */
  installHint?: string;
  /** things that work but worse than they could (e.g. "KVM unusable, using TCG") */
  warnings?: string[];
  details?: Record<string, unknown>;
}

export interface EnvSpec {
  /** validated by protocol/names.ts */
  name: string;
  project: string;
  /** host path of the git repository the environment checks out */
  repo: string;
  /** branch to create for the environment (default: swarm/<name>) */
  branch: string;
  /** commit-ish the branch starts from (default: HEAD of repo) */
  base?: string;
  cpus: number;
  memoryMiB: number;
  net: NetMode;
  /** hosts allowed through the proxy when net = proxy */
  proxyAllow?: string[];
}

/** What a provider persists about one environment; stored as JSON in the registry. */
export interface EnvHandle {
  name: string;
  provider: string;
  /** host path where the environment's checkout can be read (for diffs), if any */
  hostPath: string | null;
  /** provider-specific state (paths, pids, ports); must be JSON-serialisable */
  data: Record<string, unknown>;
}

export type EnvState = "creating" | "running" | "stopped" | "error" | "deleted";

export interface EnvStatus {
  state: EnvState;
  /** live processes inside, if the provider can tell */
  processes?: number;
  detail?: string;
  resources?: { cpus: number; memoryMiB: number };
}

export interface Progress {
  phase: string;
  done?: number;
  total?: number;
  message?: string;
}
export type ProgressFn = (p: Progress) => void;

export interface ExecOptions {
  /** relative to the environment's working directory */
  cwd?: string;
  env?: Record<string, string>;
  input?: string | Buffer;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** A host path a program needs at the same path inside an environment (see PtyOptions.share). */
export interface SharedPath {
  path: string;
  /** bound writable (a Unix socket to connect to); else read-only */
  writable: boolean;
}

/** What a PTY command may be given besides argv. */
export interface PtyOptions {
  /** relative to the environment's working directory */
  cwd?: string;
  /** variables for the program inside (not secrets: a provider may pass them on its own command line) */
  env?: Record<string, string>;
  /**
   * The runtime's own variables (`vars`: `--var`, SWARM_TICKET_ID, SWARM_THREAD_ID…), which may
   * be secrets: they reach the program inside but never a command line (the sandbox hands
   * them over in a file it removes as the program starts; a VM in its client's environment).
   */
  privateEnv?: Record<string, string>;
  /**
   * Host paths the program must reach at the same path inside: the thread bridge's config,
   * the daemon's socket, swarm's installation. Providers whose environment sees the host's
   * files already (worktree) ignore it; the sandbox binds them; a VM cannot (see docs/threads.md).
   */
  share?: SharedPath[];
}

/** A host command line that, run in a PTY, runs `argv` inside the environment. */
export interface HostCommand {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface Provider {
  info(): ProviderInfo;
  /** Is it usable on this host? Never throws; says why not and how to install. Cached where costly. */
  detect(): Promise<DetectResult>;
  /**
   * Makes the environment and leaves it running. An environment of that name that already
   * exists (on disk) is a CONFLICT; a failed create removes what it made.
   */
  create(spec: EnvSpec, progress?: ProgressFn): Promise<EnvHandle>;
  /** Starting a running environment is a no-op. */
  start(h: EnvHandle, progress?: ProgressFn): Promise<EnvHandle>;
  /** Stops processes/VM; the checkout and its changes stay. Stopping a stopped one is a no-op. */
  stop(h: EnvHandle): Promise<EnvHandle>;
  /**
   * Removes the environment. Without force it refuses (CONFLICT, naming what) when there is
   * work that would be lost or a live process; with force it stops it first.
   */
  delete(h: EnvHandle, opts: { force: boolean }): Promise<void>;
  status(h: EnvHandle): Promise<EnvStatus>;
  /** Runs a command to completion inside the environment. */
  exec(h: EnvHandle, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** The host command that runs argv inside the environment, for a PTY (shells, agents). */
  ptyCommand(h: EnvHandle, argv: string[], opts?: PtyOptions): Promise<HostCommand>;
  /** Copies a host file or folder in; `envPath` is relative to the working directory, never escaping it. */
  copyIn(h: EnvHandle, hostPath: string, envPath: string): Promise<void>;
  copyOut(h: EnvHandle, envPath: string, hostPath: string): Promise<void>;
  /**
   * Removes whatever a create of this spec left behind when the process running it died
   * midway (no handle was ever returned), so the name can be used again. Works from the
   * spec alone, on any stage of a create (nothing made, half made, fully made); never
   * touches anything it did not make for this name; a no-op when nothing is there.
   */
  reclaim(spec: EnvSpec): Promise<void>;
}

export interface CheckpointInfo {
  name: string;
  createdAt: string;
  provider: string;
  /** identifies the base (image id, base commit) a restore must match */
  base: string;
  bytes?: number;
}

/** Optional: providers with info().features.checkpoint implement this too. */
export interface Checkpointing {
  checkpoint(h: EnvHandle, name: string): Promise<CheckpointInfo>;
  /** Refuses (CONFLICT with the reason) a checkpoint made by another provider or base. */
  restore(h: EnvHandle, name: string): Promise<EnvHandle>;
  listCheckpoints(h: EnvHandle): Promise<CheckpointInfo[]>;
}

export function canCheckpoint(p: Provider): p is Provider & Checkpointing {
  return p.info().features.checkpoint && typeof (p as Partial<Checkpointing>).checkpoint === "function";
}

/** Optional: providers with info().features.restoreDeleted keep deleted environments and implement this. */
export interface RestoresDeleted {
  /** Brings back the most recently deleted environment of that name; NOT_FOUND when none is kept. */
  restoreDeleted(name: string): Promise<EnvHandle>;
}

export function canRestoreDeleted(p: Provider): p is Provider & RestoresDeleted {
  return p.info().features.restoreDeleted && typeof (p as Partial<RestoresDeleted>).restoreDeleted === "function";
}

/** One deleted environment kept by a provider's trash. */
export interface DeletedInfo {
  id: string;
  name: string;
  repo: string;
  /** the branch it had; `trashBranch` is what it is called while in the trash (null: not renamed) */
  branch: string;
  trashBranch: string | null;
  path: string;
  deletedAt: string;
}

/** Optional, beside RestoresDeleted: the trash can be listed and emptied. */
export interface PurgesDeleted {
  listDeleted(): Promise<DeletedInfo[]>;
  /** Removes for good the entries deleted at least `olderThanMs` ago (0: all), only those whose id is in `ids` when given, with their trash branches; returns them. */
  purgeDeleted(olderThanMs: number, ids?: readonly string[]): Promise<DeletedInfo[]>;
}

export function canPurgeDeleted(p: Provider): p is Provider & PurgesDeleted {
  const q = p as Partial<PurgesDeleted>;
  return p.info().features.restoreDeleted && typeof q.listDeleted === "function" && typeof q.purgeDeleted === "function";
}

/** Optional: providers with info().features.close release what they hold in the daemon's process. */
export interface Closable {
  /** Daemon shutdown: stops in-process helpers (proxies); environments and their processes stay. */
  close(): Promise<void>;
}

export function canClose(p: Provider): p is Provider & Closable {
  return p.info().features.close && typeof (p as Partial<Closable>).close === "function";
}

/** What a base image build made; `id` is what checkpoints name as their base. */
export interface BaseImageManifest {
  id: string;
  builtAt: string;
  [field: string]: unknown;
}

export interface BaseImageBuild {
  /** true when nothing was built because the base matches its inputs */
  upToDate: boolean;
  manifest: BaseImageManifest;
  /** the build's steps and how long each took */
  phases: { phase: string; ms: number }[];
}

export interface BaseImageStatus {
  /** the base in that folder, or null when none was built there */
  base: BaseImageManifest | null;
  /** whether environments can boot from it on this host, and if not why and how to fix it */
  detect: DetectResult;
  /** how guests would run (e.g. "kvm", "tcg"), when available */
  accelerator: string | null;
}

/**
 * Optional: providers with info().features.baseImage boot environments from a base image
 * built on this host. The build may take minutes; it runs off the caller's event loop.
 */
export interface BaseImages {
  /** The folder the provider boots from when none is named (absolute). */
  defaultBaseDir(): string;
  /** Builds the base into `dir` (absolute), or finds it up to date; `force` rebuilds anyway. */
  buildBase(dir: string, opts: { force: boolean; progress?: ProgressFn }): Promise<BaseImageBuild>;
  /** What is in `dir` and whether it is usable here; never throws for a missing base. */
  baseStatus(dir: string): Promise<BaseImageStatus>;
}

export function canBuildBase(p: Provider): p is Provider & BaseImages {
  return p.info().features.baseImage && typeof (p as Partial<BaseImages>).buildBase === "function";
}

/** What the daemon hands a provider when it constructs one. */
export interface ProviderContext {
  /** folder this provider owns for its state (worktrees, overlays, images) */
  stateDir: string;
  logger: {
    debug(m: string, f?: Record<string, unknown>): void;
    info(m: string, f?: Record<string, unknown>): void;
    warn(m: string, f?: Record<string, unknown>): void;
    error(m: string, f?: Record<string, unknown>): void;
  };
  /** environment variables (global + project scope, secrets decrypted) forwarded into exec and PTYs */
  forwardedEnv(h: EnvHandle): Record<string, string>;
}
