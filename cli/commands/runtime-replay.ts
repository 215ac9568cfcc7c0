import fs from "node:fs";
import { SwarmError } from "../../protocol/errors.js";
import type { CliContext } from "../context.js";
import { castEvents } from "./logs.js";

/** Plays a runtime's asciicast recordings (oldest first) to stdout with their timing. */
export async function replay(c: CliContext, name: string, o: { speed: number; maxIdle: number }): Promise<void> {
  if (!(o.speed > 0)) throw new SwarmError("INVALID_ARGUMENT", "--speed must be a positive number");
  if (!(o.maxIdle >= 0)) throw new SwarmError("INVALID_ARGUMENT", "--max-idle must be a number of seconds, 0 or more");
  const { recordings } = await c.call("runtime.show", { name });
  if (!recordings.length)
    throw new SwarmError("NOT_FOUND", `runtime ${name} has no recording`, { hint: "recording is off (config runtime.recording) or the runtime never printed" });
  let last = 0;
  let events = 0;
  for (const file of recordings) {
    for (const [t, kind, data] of castEvents(fs.readFileSync(file, "utf8"))) {
      if (kind !== "o") continue;
      const wait = Math.min(Math.max(0, t - last), o.maxIdle) / o.speed;
      last = t;
      if (wait > 0.001) await new Promise((r) => setTimeout(r, wait * 1000));
      process.stdout.write(data);
      events++;
    }
  }
  if (c.out.json) c.out.printJson({ name, events, seconds: last });
}
