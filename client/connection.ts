import net from "node:net";
import { SwarmError } from "../protocol/errors.js";
import { LineSplitter } from "../protocol/framing.js";
import type { MethodDef } from "../protocol/method.js";
import type { NotificationParams } from "../protocol/notifications.js";
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/version.js";
import { deadlineFor, deadlineKind, DEADLINE_ENV, formatMs, resolveDeadlines, type Deadlines } from "./deadlines.js";
import { RpcResponseError, toSwarmError, type RpcErrorObject } from "./errors.js";
import type { MethodName, ParamsFor, ParamsOf, ResultFor, ResultOf } from "./methods.js";

export interface CallOptions {
  /** Overrides the method's deadline for this call. */
  timeoutMs?: number;
  /** Aborting fails the call at once with the signal's reason; a late reply is dropped. */
  signal?: AbortSignal;
}

/** What the daemon told us in the handshake; checked before sending. */
export interface DaemonLimits {
  maxFrameBytes?: number;
  maxTicketBodyBytes?: number;
}

export interface ClientOptions {
  deadlines?: Deadlines;
}

interface Pending {
  method: string;
  bytes: number;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** Params may be left out when the method's schema defaults them. */
type ArgsFor<P> = undefined extends P ? [params?: P, opts?: CallOptions] : [params: P, opts?: CallOptions];

type Listener = (params: unknown) => void;

/**
 * The one client-side module that touches node:net: JSON-RPC 2.0 over the daemon's socket.
 * Replies are matched by id; every call has a deadline; a reply the daemon could not tie to
 * a request (`id: null`, e.g. an oversized frame) fails the pending call it belongs to.
 * Kept free of heavy imports (no zod) because every swarmctl invocation pays for them.
 */
export class RpcClient {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closeFns: (() => void)[] = [];
  private readonly deadlines: Deadlines;
  private nextId = 1;
  private closed = false;
  limits: DaemonLimits = {};

  private constructor(
    private readonly socket: net.Socket,
    opts: ClientOptions,
  ) {
    this.deadlines = opts.deadlines ?? resolveDeadlines(process.env);
    // Replies (event replays, screens) may be larger than what the daemon accepts from us.
    const splitter = new LineSplitter(64 * DEFAULT_MAX_FRAME_BYTES);
    socket.on("data", (chunk: Buffer) => splitter.push(chunk, (ev) => ev.kind === "frame" && this.onFrame(ev.text)));
    socket.on("close", () => {
      this.closed = true;
      this.failAll(new SwarmError("UNAVAILABLE", "connection to swarmd closed", { hint: "see `swarmctl daemon status` and the daemon log" }));
      for (const fn of this.closeFns) fn();
    });
    socket.on("error", () => {});
  }

  /** Opens the socket; fails with TIMEOUT when it does not connect within `timeoutMs`. */
  static connect(socketPath: string, opts: ClientOptions & { timeoutMs?: number } = {}): Promise<RpcClient> {
    const ms = opts.timeoutMs ?? (opts.deadlines ?? resolveDeadlines(process.env)).quick;
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new SwarmError("TIMEOUT", `no connection to ${socketPath} within ${formatMs(ms)}`, { hint: "is swarmd stuck? see the daemon log" }));
      }, ms);
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        resolve(new RpcClient(s, opts));
      });
      s.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Typed by the method constant: `call(ticketList, { state: "queued" })`. */
  call<M extends MethodDef>(method: M, ...args: ArgsFor<ParamsOf<M>>): Promise<ResultOf<M>>;
  /** Typed by the method name, without loading the schemas: `call("ticket.list", {})`. */
  call<N extends MethodName>(method: N, ...args: ArgsFor<ParamsFor<N>>): Promise<ResultFor<N>>;
  /** Untyped, for names only known at run time; a known name must use the typed forms. */
  call<R = unknown, N extends string = string>(method: N & (N extends MethodName ? never : unknown), params?: unknown, opts?: CallOptions): Promise<R>;
  call(method: string | MethodDef, params?: unknown, opts: CallOptions = {}): Promise<unknown> {
    return this.request(typeof method === "string" ? method : method.name, params, opts);
  }

  private request(method: string, params: unknown, opts: CallOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(new SwarmError("UNAVAILABLE", "connection to swarmd closed"));
    if (opts.signal?.aborted) return Promise.reject(abortReason(opts.signal, method));
    const id = this.nextId++;
    const line = JSON.stringify(params === undefined ? { jsonrpc: "2.0", method, id } : { jsonrpc: "2.0", method, params, id });
    const bytes = Buffer.byteLength(line);
    const max = this.limits.maxFrameBytes;
    if (max !== undefined && bytes > max) return Promise.reject(frameTooBig(method, bytes, max));
    const ms = opts.timeoutMs ?? deadlineFor(this.deadlines, method);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
      };
      const timer = setTimeout(() => {
        done();
        reject(timeoutError(method, ms, this.deadlines.all !== undefined));
      }, ms);
      const onAbort = () => {
        done();
        reject(abortReason(opts.signal!, method));
      };
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        method,
        bytes,
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
      this.socket.write(line + "\n");
    });
  }

  private onFrame(text: string): void {
    let msg: { id?: unknown; method?: string; params?: unknown; result?: unknown; error?: RpcErrorObject };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof msg.method === "string" && msg.id === undefined) {
      for (const fn of this.listeners.get(msg.method) ?? []) fn(msg.params);
      return;
    }
    if (msg.id === null && msg.error) return this.onUnmatchedError(msg.error);
    const waiter = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!waiter) return;
    if (msg.error) waiter.reject(toSwarmError(new RpcResponseError(msg.error)));
    else waiter.resolve(msg.result);
  }

  /**
   * The daemon answers a frame it could not read (too big, not JSON) with `id: null`. It
   * belongs to one of our pending calls: the one whose size the error names, else the only
   * one outstanding, else we cannot tell and fail them all rather than wait forever.
   */
  private onUnmatchedError(error: RpcErrorObject): void {
    const err = toSwarmError(new RpcResponseError(error));
    const bytes = error.data?.details?.bytes;
    const bySize = [...this.pending.values()].filter((p) => p.bytes === bytes);
    const targets = bySize.length === 1 ? bySize : [...this.pending.values()];
    for (const p of targets) p.reject(withMethod(err, p.method));
  }

  private failAll(err: SwarmError): void {
    for (const p of [...this.pending.values()]) p.reject(err);
  }

  /** Listens to a server notification; returns the function that stops listening. */
  on<N extends string>(method: N, fn: (params: N extends keyof NotificationParams ? NotificationParams[N] : unknown) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    const l = fn as Listener;
    set.add(l);
    return () => set.delete(l);
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeFns.push(fn);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

function frameTooBig(method: string, bytes: number, max: number): SwarmError {
  return new SwarmError("RESOURCE_EXHAUSTED", `request ${method} of ${bytes} bytes exceeds rpc.max_frame_bytes (${max})`, {
    details: { method, bytes, limit: max },
    hint: "send less in one call (put large material in a file and pass its path), or raise rpc.max_frame_bytes and restart swarmd",
  });
}

function timeoutError(method: string, ms: number, explicit: boolean): SwarmError {
  const knob = explicit ? "--timeout" : `--timeout DURATION or ${DEADLINE_ENV[deadlineKind(method)]}`;
  return new SwarmError("TIMEOUT", `${method}: no answer from swarmd within ${formatMs(ms)}`, {
    details: { method, timeout_ms: ms },
    hint: `swarmd may be stopped, stuck or overloaded: check \`swarmctl daemon status\` and the daemon log; if the operation is just slow, allow more time with ${knob}`,
  });
}

function abortReason(signal: AbortSignal, method: string): unknown {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new SwarmError("UNAVAILABLE", `${method}: cancelled`, { details: { method, reason: r } });
}

function withMethod(err: SwarmError, method: string): SwarmError {
  return new SwarmError(err.kind, `${method}: ${err.message}`, {
    ...(err.hint ? { hint: err.hint } : {}),
    details: { ...err.details, method },
  });
}
