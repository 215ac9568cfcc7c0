import { execFileSync } from "node:child_process";

/**
 * A network namespace with nothing but loopback. Real agent CLIs try to reach their vendors
 * (login, telemetry, updates); run inside one of these, no packet can leave the machine, and a
 * model stub listening on its 127.0.0.1 is the only server they can reach.
 */
export interface Netns {
  name: string;
  /** `ip netns exec NAME` — prefix an argv with it to run the program inside. */
  prefix: string[];
  /** The interfaces inside, as `ip -o link` prints them (a test can assert only `lo` is there). */
  links(): string[];
  close(): void;
}

let counter = 0;

/** Why netns cannot be used here, or null when it can (root and `ip` are needed). */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "network namespaces need root (ip netns add)";
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
  } catch {
    return "`ip` (iproute2) is not installed";
  }
  return null;
}

export function createNetns(tag = "t"): Netns {
  const name = `swarm-${tag}-${process.pid}-${++counter}`;
  execFileSync("ip", ["netns", "add", name]);
  try {
    execFileSync("ip", ["-n", name, "link", "set", "lo", "up"]);
  } catch (err) {
    execFileSync("ip", ["netns", "del", name]);
    throw err;
  }
  return {
    name,
    prefix: ["ip", "netns", "exec", name],
    links: () => execFileSync("ip", ["-n", name, "-o", "link"], { encoding: "utf8" }).split("\n").filter(Boolean),
    close: () => {
      try {
        execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
      } catch {
        // already gone
      }
    },
  };
}
