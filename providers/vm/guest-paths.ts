/** Paths inside the guest: everything an environment works on lives under /work. */
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";

export const GUEST_WORKDIR = "/work";

/** Resolves a path relative to /work, refusing absolute paths and `..` that leave it. */
export function guestPath(rel: string | undefined, what = "path"): string {
  if (rel === undefined || rel === "" || rel === ".") return GUEST_WORKDIR;
  if (path.posix.isAbsolute(rel)) {
    throw new SwarmError("INVALID_ARGUMENT", `${what} ${JSON.stringify(rel)} is absolute`, {
      hint: "give a path relative to the environment's working directory",
    });
  }
  const p = path.posix.normalize(path.posix.join(GUEST_WORKDIR, rel));
  if (p !== GUEST_WORKDIR && !p.startsWith(GUEST_WORKDIR + "/")) {
    throw new SwarmError("INVALID_ARGUMENT", `${what} ${JSON.stringify(rel)} leaves the working directory`, { hint: "remove the `..` components" });
  }
  return p;
}

/**
 * A shell prelude that refuses a path whose existing part resolves (through symlinks)
 * outside /work; run in the guest, since only the guest knows its symlinks. $1 is the path.
 */
export const CONFINE_SH =
  'd="$1"; while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done; ' +
  'r=$(readlink -f "$d"); case "$r" in /work|/work/*) ;; *) echo "path leaves /work through a symlink: $1 -> $r" >&2; exit 90;; esac; ';
