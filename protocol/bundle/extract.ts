import fs from "node:fs";
import path from "node:path";
import { FILES_PREFIX } from "./format.js";
import { unsafePathReason } from "./safe-path.js";
import { readTar } from "./tar.js";

/**
 * Writes a bundle's result files under `dest`. Each target is resolved and must stay under
 * dest's real path, so a symlink already present in dest cannot redirect a write outside.
 * Call only after verifyBundle said ok.
 */
export function extractBundle(bytes: Buffer, dest: string): string[] {
  fs.mkdirSync(dest, { recursive: true });
  const root = fs.realpathSync(dest);
  const written: string[] = [];
  for (const e of readTar(bytes)) {
    if (!e.path.startsWith(FILES_PREFIX)) continue;
    const rel = e.path.slice(FILES_PREFIX.length);
    const why = unsafePathReason(rel);
    if (why) throw new Error(`refusing to extract ${JSON.stringify(rel)}: ${why}`);
    const target = path.join(root, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const parentReal = fs.realpathSync(path.dirname(target));
    if (parentReal !== root && !parentReal.startsWith(root + path.sep)) {
      throw new Error(`refusing to extract ${rel}: its directory resolves outside ${root} (symlink?)`);
    }
    if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new Error(`refusing to extract ${rel}: the target is a symlink`);
    }
    fs.writeFileSync(target, e.data, { mode: e.executable ? 0o755 : 0o644 });
    written.push(rel);
  }
  return written;
}
