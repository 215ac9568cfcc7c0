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
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const s = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (s === BSU) {
      inFrame = true;
      drew = false;
      return real.write(s);
    }
    if (s === ESU) {
      inFrame = false;
      const bodies = drew ? painter.inkWrote() : "";
      drew = false;
      return real.write(bodies + s);
    }
    // Ink's own bytes: its frame (or a clear); outside a synchronized frame, paint right after
    if (inFrame) {
      drew = true;
      return real.write(s);
    }
    return real.write(s + painter.inkWrote(), ...(rest as []));
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "write") return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
