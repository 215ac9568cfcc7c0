import http from "node:http";
import type { Logger } from "../log/logger.js";
import type { Registry } from "prom-client";

/**
 * GET /metrics on a loopback address (the config schema refuses any other host). Anything
 * else is 404; the server holds no state, so a scrape can never change the daemon.
 */
export async function serveMetrics(listen: string, registry: Registry, logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const at = listen.lastIndexOf(":");
  const host = listen.slice(0, at).replace(/^\[|\]$/g, "");
  const port = Number(listen.slice(at + 1));
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found; metrics are at GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: Error) => {
        logger.error("metrics scrape failed", { error: err.message });
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed; see the daemon log\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as { port: number };
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}/metrics`;
  logger.info("metrics endpoint listening", { url });
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
