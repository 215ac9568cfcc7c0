import { BSU, ESU, type PanePainter } from "./pane-painter.js";

/**
 * The stdout Ink is given when pane bodies are painted outside it: the real stream, except
 * that every frame Ink writes gets the painter's bodies appended inside the same
 * synchronized-output frame (Ink's frame left them blank), so the terminal never shows a
 * frame without them.
 */
export function paintingStdout(real: NodeJS.WriteStream, painter: PanePainter): NodeJS.WriteStream {
  let inFrame = false;
  let drew = false;
  /** Ink wraps its frames in synchronized output (it does on a terminal, unless it thinks it runs in CI). */
  let synchronized = false;
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const s = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (s === BSU) {
      inFrame = synchronized = true;
      drew = false;
      return real.write(s);
    }
    if (s === ESU) {
      inFrame = false;
      const bodies = drew ? painter.inkWrote() : "";
      drew = false;
      return real.write(bodies + s);
    }
    if (inFrame) {
      drew = true;
      return real.write(s);
    }
    // Outside a synchronized frame: when Ink synchronizes, it writes only cursor modes and the
    // clear before a resize's frame (which repaints) this way; when it does not, its frames
    // come this way, so paint right after them.
    return real.write(synchronized ? s : s + painter.inkWrote(), ...(rest as []));
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "write") return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
