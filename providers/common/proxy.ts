import fs from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import type { ProviderContext } from "../types.js";

/** How many recent denials `denied` keeps, and how often (ms) a denial is logged at most. */
const DENIED_KEPT = 100;
const DENY_LOG_EVERY_MS = 10_000;

/** Headers that speak to the proxy, not to the destination: never passed on. */
const HOP_HEADERS = /^(proxy-.*|connection|keep-alive|upgrade|te|trailer|transfer-encoding)$/i;

/**
 * The allow-list proxy for `net = proxy`. It listens on a Unix socket: the sandbox binds it
 * in (its network namespace has only `lo`); a VM reaches it through QEMU's restricted user
 * network, whose one forwarded address runs vm/guest/host-bridge per connection. Either
 * way the proxy is the one way out.
 * CONNECT (https and anything else tunnelled) and absolute-URI HTTP requests are let
 * through to allowed hosts; everything else gets 403 and goes nowhere.
 */
export class AllowListProxy {
  private server: http.Server | null = null;
  /** the most recent denials (at most DENIED_KEPT); `deniedCount` counts them all */
  readonly denied: string[] = [];
  deniedCount = 0;
  private lastDenyLog = 0;
  private suppressedDenials = 0;
  /** both ends of every CONNECT tunnel: closeAllConnections() does not reach them, and close() waits for them */
  private readonly tunnels = new Set<net.Socket>();

  constructor(
    readonly socketPath: string,
    private readonly allow: string[],
    private readonly log: ProviderContext["logger"],
  ) {}

  /** `host`, `host:port`, `*.domain` or `*.domain:port`. */
  allowed(host: string, port: number): boolean {
    const h = host.toLowerCase().replace(/^\[|\]$/g, "");
    return this.allow.some((rule) => {
      const m = /^(.*?)(?::(\d+))?$/.exec(rule.toLowerCase().trim());
      if (!m) return false;
      const [, pat = "", p] = m;
      if (p && Number(p) !== port) return false;
      if (pat.startsWith("*.")) return h.endsWith(pat.slice(1));
      return h === pat;
    });
  }

  async start(): Promise<void> {
    if (this.server) return;
    await fs.rm(this.socketPath, { force: true });
    const server = http.createServer((req, res) => this.forward(req, res));
    server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => this.tunnel(req, client, head));
    server.on("clientError", (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.socketPath, () => resolve());
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    // closeAllConnections() covers HTTP connections only; a CONNECT socket has left the
    // server's hands, so without this close() would wait for every open tunnel to end.
    const closed = new Promise<void>((r) => s.close(() => r()));
    s.closeAllConnections();
    for (const t of this.tunnels) t.destroy();
    this.tunnels.clear();
    await closed;
    await fs.rm(this.socketPath, { force: true });
  }

  /** Remembers and logs a denial; a guest hammering a closed door gets one line per interval. */
  private deny(what: string): void {
    this.deniedCount++;
    this.denied.push(what);
    if (this.denied.length > DENIED_KEPT) this.denied.splice(0, this.denied.length - DENIED_KEPT);
    const now = Date.now();
    if (now - this.lastDenyLog < DENY_LOG_EVERY_MS) {
      this.suppressedDenials++;
      return;
    }
    const suppressed = this.suppressedDenials;
    this.lastDenyLog = now;
    this.suppressedDenials = 0;
    this.log.warn("allow-list proxy denied a connection", suppressed ? { target: what, alsoDeniedSinceLastLine: suppressed } : { target: what });
  }

  private track(s: net.Socket): void {
    this.tunnels.add(s);
    s.once("close", () => this.tunnels.delete(s));
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? "");
    const host = m?.[1] ?? "";
    const port = Number(m?.[2] ?? 0);
    // net.connect throws synchronously on a port outside 1-65535: an uncaught exception.
    if (!m || !validPort(port) || !this.allowed(host, port)) {
      this.deny(req.url ?? "?");
      client.end("HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nswarm proxy: destination not in the allow-list\n");
      return;
    }
    this.track(client);
    const upstream = net.connect(port, host.replace(/^\[|\]$/g, ""), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.track(upstream);
    let established = false;
    upstream.once("connect", () => (established = true));
    // Once the tunnel is up, the client has left HTTP: an error ends the byte stream, no status line.
    upstream.on("error", () => (established ? client.destroy() : client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n")));
    client.on("error", () => upstream.destroy());
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("swarm proxy: absolute URL required\n");
      return;
    }
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    // A client that sends `GET https://…` to a proxy wants it to speak TLS for it; proxies
    // tunnel https with CONNECT instead. Say so rather than blaming the allow-list.
    if (url.protocol === "https:" && validPort(port) && this.allowed(url.hostname, port)) {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end(
          "swarm proxy: https goes through CONNECT; this client sent a plain GET for an https URL (busybox wget cannot do https through a proxy; use curl)\n",
        );
      return;
    }
    if (url.protocol !== "http:" || !validPort(port) || !this.allowed(url.hostname, port)) {
      this.deny(`${url.hostname}:${port}`);
      res.writeHead(403, { "content-type": "text/plain" }).end("swarm proxy: destination not in the allow-list\n");
      return;
    }
    // The destination is the one that was checked: the client's Host header goes (a shared
    // front-end would route by it: domain fronting), and so does what was meant for us.
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_HEADERS.test(k) && k !== "host") headers[k] = v;
    headers.host = url.host;
    const up = http.request({ host: url.hostname, port, method: req.method, path: url.pathname + url.search, headers }, (r) => {
      r.on("error", () => res.destroy());
      const status = r.statusCode ?? 0;
      // writeHead throws on a status it cannot send (e.g. 099): answer 502 instead of crashing.
      try {
        if (status < 100 || status > 999) throw new Error(`bad status ${status}`);
        res.writeHead(status, r.headers);
      } catch {
        r.destroy();
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("swarm proxy: the destination sent an invalid response\n");
        else res.destroy();
        return;
      }
      r.pipe(res);
    });
    up.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.on("error", () => up.destroy());
    req.pipe(up);
  }
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}

/** Port the in-sandbox forwarder listens on (inside the sandbox's own network namespace). */
export const FORWARDER_PORT = 3128;
