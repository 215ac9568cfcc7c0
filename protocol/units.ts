/*
 * Sizes and durations as people type them. No zod here: the client and one-shot CLI
 * commands parse these without loading the schemas.
 */

/** Sizes like 512M, 4G, 1.5G, 2048 (MiB when no unit). Returns MiB, or null when malformed. */
export function parseSizeMiB(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "M").toUpperCase()[0];
  const f = unit === "B" ? 1 / (1024 * 1024) : unit === "K" ? 1 / 1024 : unit === "M" ? 1 : unit === "G" ? 1024 : 1024 * 1024;
  const mib = Math.round(n * f);
  return mib > 0 ? mib : null;
}

/** Durations like 500ms, 30s, 30m, 2h. Returns milliseconds, or null when malformed. */
export function parseDurationMs(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(s);
  if (!m) return null;
  const f = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  return Math.round(Number(m[1]) * f);
}
