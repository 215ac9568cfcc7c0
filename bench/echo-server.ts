import net from "node:net";

/**
 * The raw peer for the RPC benchmark: a newline-JSON echo over a Unix socket that parses
 * each request and answers with a JSON-RPC result, and nothing else.
 */
const socketPath = process.argv[2]!;
const server = net.createServer((s) => {
  let buf = "";
  s.setEncoding("utf8");
  s.on("data", (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const req = JSON.parse(buf.slice(0, nl)) as { id: number; params?: { data?: unknown } };
      buf = buf.slice(nl + 1);
      s.write(JSON.stringify({ jsonrpc: "2.0", id: req.id, result: { pong: true, data: req.params?.data } }) + "\n");
    }
  });
  s.on("error", () => {});
});
server.listen(socketPath, () => process.stdout.write("ready\n"));
