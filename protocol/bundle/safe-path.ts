/**
 * The one rule for paths inside a result bundle. Both the writer and the verifier use it,
 * so a bundle that could escape its extraction directory is refused at both ends (R-O3).
 */
export const MAX_BUNDLE_PATH = 255;

/** Returns why `p` is not a safe relative bundle path, or null when it is. */
export function unsafePathReason(p: string): string | null {
  if (p.length === 0) return "empty path";
  if (p.length > MAX_BUNDLE_PATH) return `path longer than ${MAX_BUNDLE_PATH} bytes`;
  if (p.includes("\0")) return "path contains a NUL byte";
  if (p.includes("\\")) return "path contains a backslash";
  if (p.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(p)) return "drive-letter path";
  for (const seg of p.split("/")) {
    if (seg === "..") return "path climbs out with '..'";
    if (seg === "." || seg === "") return "path has an empty or '.' segment";
  }
  return null;
}
