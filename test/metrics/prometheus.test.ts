import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDaemon, swarmctl, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";

const HAVE_PROMETHEUS = spawnSync("prometheus", ["--version"]).status === 0;

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function getText(url: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
}

let d: TestDaemon | null = null;
let prom: ChildProcess | null = null;
afterAll(async () => {
  prom?.kill("SIGKILL");
  await d?.stop();
});

// CI installs Debian's prometheus (.ci/run); on a laptop without it the test says so instead of failing.
describe.skipIf(!HAVE_PROMETHEUS && process.env.CI !== "true")("metrics scraped by a real Prometheus", () => {
  it("swarm_tickets_total reaches Prometheus with the number of tickets submitted", async () => {
    const port = await freePort();
    const h = tempHome("swarm-metrics-");
    d = await startDaemon({ home: h, config: { metrics: { listen: `127.0.0.1:${port}` }, secrets: { keyring: false } } });
    for (const title of ["one", "two", "three"]) {
      const r = await swarmctl(d.env, ["--no-autostart", "ticket", "submit", "--title", title]);
      expect(r.code, r.stderr).toBe(0);
    }
    const own = await getText(`http://127.0.0.1:${port}/metrics`);
    expect(own.status).toBe(200);
    expect(own.text).toMatch(/^swarm_tickets_total 3$/m);
    expect((await getText(`http://127.0.0.1:${port}/other`)).status).toBe(404);

    const promPort = await freePort();
    const dir = fs.mkdtempSync(path.join(h.home, "prom-"));
    fs.writeFileSync(
      path.join(dir, "prometheus.yml"),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: swarm\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n`,
    );
    let log = "";
    prom = spawn(
      "prometheus",
      [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${promPort}`, "--log.level=warn"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    prom.stderr!.on("data", (b) => (log += b));
    const query = `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('swarm_tickets_total{job="swarm"}')}`;
    const value = await waitFor(
      `Prometheus to have scraped swarm_tickets_total (its log: ${log.slice(-400)})`,
      async () => {
        const r = JSON.parse((await getText(query)).text) as { data: { result: { value: [number, string] }[] } };
        return r.data.result[0]?.value[1] ?? null;
      },
      90_000,
      250,
    );
    expect(value).toBe("3");
    const up = JSON.parse((await getText(`http://127.0.0.1:${promPort}/api/v1/query?query=up`)).text) as { data: { result: { value: [number, string] }[] } };
    expect(up.data.result[0]?.value[1]).toBe("1");
  }, 150_000);
});

describe("metrics.listen", () => {
  it("accepts only loopback addresses, naming the rule", async () => {
    const { parseConfig } = await import("../../protocol/config/schema.js");
    for (const ok of ["off", "127.0.0.1:9464", "localhost:1", "[::1]:9464"]) expect(parseConfig({ metrics: { listen: ok } }).ok).toBe(true);
    for (const bad of ["0.0.0.0:9464", "192.168.1.2:80", "example.com:80", "127.0.0.1"]) {
      const r = parseConfig({ metrics: { listen: bad } });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems[0]).toMatchObject({ key: "metrics.listen", message: expect.stringMatching(/loopback/) });
    }
  });
});
