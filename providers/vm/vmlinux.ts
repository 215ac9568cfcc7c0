/**
 * Turns a bzImage (vmlinuz) into the plain ELF vmlinux inside it. QEMU boots an ELF with a
 * PVH note directly, skipping the in-guest decompressor, which under TCG is a large share
 * of boot time. The payload's compression depends on the kernel config, so every known
 * magic is tried and the first stream that inflates to an ELF wins.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { SwarmError } from "../../protocol/errors.js";

const CODECS: { magic: Buffer; cmd: string[] }[] = [
  { magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), cmd: ["lz4", "-dc"] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), cmd: ["zstd", "-dc"] },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), cmd: ["xz", "-dc"] },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), cmd: ["gzip", "-dc"] },
];

function inflate(cmd: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const p = spawn(cmd[0]!, cmd.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
    const out: Buffer[] = [];
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.on("error", () => resolve(Buffer.alloc(0)));
    // Trailing bytes after the stream make the tools exit non-zero; the output is still good.
    p.on("close", () => resolve(Buffer.concat(out)));
    p.stdin.on("error", () => undefined);
    p.stdin.end(input);
  });
}

export async function extractVmlinux(vmlinuz: string, dest: string): Promise<void> {
  const img = fs.readFileSync(vmlinuz);
  for (const c of CODECS) {
    let at = img.indexOf(c.magic);
    for (let tries = 0; at >= 0 && tries < 8; tries++, at = img.indexOf(c.magic, at + 1)) {
      const out = await inflate(c.cmd, img.subarray(at));
      if (out.length > 1_000_000 && out.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
        fs.writeFileSync(dest, out);
        return;
      }
    }
  }
  throw new SwarmError("UNAVAILABLE", `could not find a kernel payload in ${vmlinuz}`, {
    hint: "install the decompressors: apt-get install -y lz4 zstd xz-utils gzip",
  });
}
