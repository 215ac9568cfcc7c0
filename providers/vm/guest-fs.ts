/** Moving files between host and guest through the agent: tar streams over exec. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { EnvSpec } from "../types.js";
import { execInGuest } from "./agent-client.js";
import { CONFINE_SH, GUEST_WORKDIR } from "./guest-paths.js";

function hostRun(file: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", (e) => reject(new SwarmError("UNAVAILABLE", `${file}: ${e.message}`)));
    p.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new SwarmError("UNAVAILABLE", `\`${file} ${args.join(" ")}\` failed: ${err.trim().slice(0, 400)}`));
    });
    p.stdin.on("error", () => undefined);
    p.stdin.end(input ?? Buffer.alloc(0));
  });
}

async function guest(sock: string, script: string, args: string[], input?: Buffer): Promise<Buffer> {
  const r = await execInGuest(
    sock,
    { cwd: GUEST_WORKDIR, argv: ["sh", "-c", script, "sh", ...args], env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" } },
    input ? { input } : {},
  );
  if (r.exitCode !== 0) {
    const msg = r.stderr.toString().trim() || `exit code ${r.exitCode}`;
    throw new SwarmError(r.exitCode === 90 ? "INVALID_ARGUMENT" : "UNAVAILABLE", `in the VM: ${msg}`);
  }
  return r.stdout;
}

/** Clones the project on the host, makes the environment's branch, and unpacks it in /work. */
export async function copyCheckoutIn(sock: string, spec: EnvSpec): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vm-checkout-"));
  try {
    await hostRun("git", ["clone", "-q", "--no-checkout", spec.repo, tmp]);
    await hostRun("git", ["-C", tmp, "checkout", "-q", "-b", spec.branch, spec.base ?? "HEAD"]);
    const tar = await hostRun("tar", ["-C", tmp, "-cf", "-", "."]);
    await guest(sock, "mkdir -p /work && tar -xf - -C /work", [], tar);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function copyInGuest(sock: string, hostPath: string, dest: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.statSync(hostPath);
  } catch {
    throw new SwarmError("NOT_FOUND", `no such host file or folder: ${hostPath}`);
  }
  if (st.isDirectory()) {
    const tar = await hostRun("tar", ["-C", hostPath, "-cf", "-", "."]);
    await guest(sock, CONFINE_SH + 'mkdir -p "$1" && tar -xf - -C "$1"', [dest], tar);
  } else {
    await guest(sock, CONFINE_SH + 'mkdir -p "$(dirname "$1")" && cat > "$1"', [dest], fs.readFileSync(hostPath));
  }
}

export async function copyOutGuest(sock: string, src: string, hostPath: string): Promise<void> {
  const out = await guest(
    sock,
    CONFINE_SH +
      'if [ -d "$1" ]; then printf D; tar -C "$1" -cf - .; elif [ -e "$1" ]; then printf F; cat "$1"; else echo "no such file or folder: $1" >&2; exit 3; fi',
    [src],
  );
  const body = out.subarray(1);
  if (out[0] === 0x44 /* D */) {
    fs.mkdirSync(hostPath, { recursive: true });
    await hostRun("tar", ["-C", hostPath, "-xf", "-"], body);
  } else {
    fs.mkdirSync(path.dirname(path.resolve(hostPath)), { recursive: true });
    fs.writeFileSync(hostPath, body);
  }
}

/**
 * The guest has no git, so "uncommitted work" is judged against checksums of the checkout
 * taken right after it was unpacked: changed, new or removed files outside .git count.
 */
const LIST_SH = "cd /work && find . -path ./.git -prune -o \\( -type f -o -type l \\) -print | sort";

export async function recordCheckoutSums(sock: string): Promise<void> {
  await guest(
    sock,
    `mkdir -p /var/lib/swarm && ${LIST_SH} > /var/lib/swarm/files && (cd /work && sed 's/.*/"&"/' /var/lib/swarm/files | xargs -r md5sum) > /var/lib/swarm/sums`,
    [],
  );
}

/** Paths under /work that differ from the checkout as created (at most 20). */
export async function changedFiles(sock: string): Promise<string[]> {
  const out = await guest(
    sock,
    `[ -f /var/lib/swarm/sums ] || exit 0; ${LIST_SH} > /tmp/.swarm-now; ` +
      "sort /var/lib/swarm/files /tmp/.swarm-now | uniq -u; " +
      "(cd /work && md5sum -c /var/lib/swarm/sums 2>/dev/null | grep -v ': OK$' | sed 's/: [A-Z]*$//'); rm -f /tmp/.swarm-now",
    [],
  );
  const files = [
    ...new Set(
      out
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.replace(/^\.\//, "")),
    ),
  ];
  return files.slice(0, 20);
}
