import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The installed package's root folder, found by walking up from a module's URL to our
 * package.json. Works from dist/ and from the bundled CLI alike.
 */
export function packageRoot(fromUrl: string): string {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: string }).name === "swarm") return dir;
      } catch {
        /* not ours */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find swarm's package.json above ${fromUrl}`);
    dir = up;
  }
}

/** Entry points of the installed package. */
export function installedEntry(fromUrl: string, which: "swarmd" | "daemon-main"): string {
  const root = packageRoot(fromUrl);
  return which === "swarmd" ? path.join(root, "bin", "swarmd.js") : path.join(root, "dist", "daemon", "main.js");
}
