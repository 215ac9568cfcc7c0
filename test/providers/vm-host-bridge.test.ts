/**
 * host-bridge (what QEMU runs per guest connection to the proxy) compiled from its source and
 * run for real between pipes and a Unix-socket server: bytes must flow both ways at once even
 * when one side reads only after it has finished writing, as over a direct TCP connection.
 */
import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/daemon.js";
import { guestSourceDir } from "../../providers/vm/layout.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bridge-"));
const bin = path.join(dir, "host-bridge");
let compileError = "";
try {
  execFileSync("gcc", ["-O2", "-o", bin, path.join(guestSourceDir(), "host-bridge.c")], { stdio: "pipe" });
} catch (e) {
  compileError = String(e);
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha = (b: Buffer): string => crypto.createHash("sha256").update(b).digest("hex");

describe("host-bridge", () => {
  it.skipIf(compileError !== "")(
    `streams 4 MiB both ways at once while the guest reads only after uploading${compileError ? ` (gcc: ${compileError})` : ""}`,
    async () => {
      const size = 4 * 1024 * 1024;
      const toGuest = crypto.randomBytes(size);
      const fromGuest = crypto.randomBytes(size);
      const sock = path.join(dir, "proxy.sock");
      const received: Buffer[] = [];
      let receivedBytes = 0;
      // The "proxy": streams its whole answer at once and reads the upload as it comes.
      const server = net.createServer((c) => {
        c.on("data", (b: Buffer) => (received.push(b), (receivedBytes += b.length)));
        c.on("error", () => undefined);
        c.end(toGuest);
      });
      await new Promise<void>((r) => server.listen(sock, () => r()));
      const bridge = spawn(bin, [sock], { stdio: ["pipe", "pipe", "inherit"] });
      bridge.stdin.on("error", () => undefined); // reported by the assertions below instead
      try {
        // The "guest": uploads everything first, with nobody reading what comes back meanwhile
        // (stdout is not flowing yet, so node stops reading it once its buffer is full).
        bridge.stdin.end(fromGuest);
        await waitFor(`the server to receive the whole upload (has ${receivedBytes} of ${size} bytes)`, () => receivedBytes === size, 10_000);
        const chunks: Buffer[] = [];
        bridge.stdout.on("data", (b: Buffer) => chunks.push(b));
        const code = await new Promise<number | null>((r) => bridge.on("close", (c) => r(c)));
        expect(code).toBe(0);
        expect(sha(Buffer.concat(chunks))).toBe(sha(toGuest));
        expect(sha(Buffer.concat(received))).toBe(sha(fromGuest));
      } finally {
        bridge.kill("SIGKILL");
        server.close();
      }
    },
  );

  it.skipIf(compileError !== "")("closes the guest's connection when the proxy is not there", async () => {
    const bridge = spawn(bin, [path.join(dir, "nobody.sock")], { stdio: ["pipe", "pipe", "inherit"] });
    const code = await new Promise<number | null>((r) => bridge.on("close", (c) => r(c)));
    expect(code).toBe(1);
  });
});
