import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `npm run build`, after tsc: compiles the native PTY holder (daemon/runtime/holder/native/*.c)
 * into dist/native/swarm-holder with the host's `cc` (override with $CC). Nothing is
 * downloaded. Without a compiler it says so and leaves the daemon on the Node holder
 * (runtime.holder "auto"); with one, a compile error fails the build.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const src = path.join(root, "daemon/runtime/holder/native");
const outDir = path.join(root, "dist/native");
const out = path.join(outDir, "swarm-holder");
const cc = process.env.CC || "cc";

if (spawnSync(cc, ["--version"], { stdio: "ignore" }).status !== 0) {
  process.stderr.write(`build-native: no C compiler (${cc}); runtimes will use the Node PTY holder\n`);
  process.exit(0);
}
fs.mkdirSync(outDir, { recursive: true });
const sources = fs
  .readdirSync(src)
  .filter((f) => f.endsWith(".c"))
  .map((f) => path.join(src, f));
// Into a fresh file, then renamed: running holders keep the old binary's inode.
const tmp = `${out}.${process.pid}.tmp`;
const compile = (extra: string[]) => spawnSync(cc, ["-O2", "-Wall", "-Wextra", ...extra, "-o", tmp, ...sources, "-lutil"], { stdio: "inherit" });
// Static when the C library allows it: about half the resident memory of a dynamic build
// (no shared-library pages mapped into each of a hundred holders); dynamic otherwise.
let r = spawnSync(cc, ["-O2", "-static", "-o", tmp, ...sources, "-lutil"], { stdio: "ignore" });
if (r.status !== 0) r = compile([]);
else r = compile(["-static"]);
if (r.status !== 0) {
  fs.rmSync(tmp, { force: true });
  process.stderr.write(`build-native: ${cc} failed to compile ${src}\n`);
  process.exit(1);
}
fs.renameSync(tmp, out);
process.stdout.write(`build-native: ${path.relative(root, out)}\n`);
