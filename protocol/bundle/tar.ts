import { unsafePathReason } from "./safe-path.js";

/**
 * A minimal ustar (POSIX.1-1988) writer and reader for result bundles. Only regular files
 * are written; every field that could vary between hosts (mtime, uid, gid, owner names,
 * mode bits other than "executable") is fixed, so the same files give the same bytes.
 */
const BLOCK = 512;

export interface TarEntry {
  path: string;
  data: Buffer;
  executable?: boolean;
}

function writeString(buf: Buffer, off: number, len: number, s: string): void {
  const b = Buffer.from(s, "utf8");
  if (b.length > len) throw new Error(`tar field overflow: ${s}`);
  b.copy(buf, off);
}

function writeOctal(buf: Buffer, off: number, len: number, n: number): void {
  // len-1 octal digits, NUL-terminated, zero-padded: the common, unambiguous form.
  writeString(buf, off, len, n.toString(8).padStart(len - 1, "0") + "\0");
}

/** Splits a long path into ustar's prefix (155) + name (100) at a slash. */
function splitPath(p: string): { prefix: string; name: string } {
  if (Buffer.byteLength(p) <= 100) return { prefix: "", name: p };
  for (let i = p.length - 1; i > 0; i--) {
    if (p[i] !== "/") continue;
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  throw new Error(`path too long for a ustar header: ${p}`);
}

function header(entry: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitPath(entry.path);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, entry.executable ? 0o755 : 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, entry.data.length);
  writeOctal(h, 136, 12, 0);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h[156] = 0x30; // '0' regular file
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** Writes entries sorted by path (byte order); duplicate or unsafe paths are refused. */
export function writeTar(entries: TarEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const parts: Buffer[] = [];
  let prev: string | null = null;
  for (const e of sorted) {
    const why = unsafePathReason(e.path);
    if (why) throw new Error(`refusing bundle path ${JSON.stringify(e.path)}: ${why}`);
    if (e.path === prev) throw new Error(`duplicate bundle path ${JSON.stringify(e.path)}`);
    prev = e.path;
    parts.push(header(e), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export class TarFormatError extends Error {}

function readString(buf: Buffer, off: number, len: number): string {
  const slice = buf.subarray(off, off + len);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? len : end).toString("utf8");
}

function readOctal(buf: Buffer, off: number, len: number, field: string): number {
  const s = readString(buf, off, len).trim();
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`bad ${field} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

/**
 * Reads a bundle tar. Anything but a regular file (symlink, hard link, device, directory)
 * is refused, as is any path that is absolute or climbs out, so extraction cannot escape.
 */
export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  const seen = new Set<string>();
  let off = 0;
  for (;;) {
    if (off + BLOCK > buf.length) throw new TarFormatError("truncated archive: no end-of-archive marker");
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) {
      if (!buf.subarray(off).every((b) => b === 0)) throw new TarFormatError("data after the end-of-archive marker");
      return out;
    }
    const stored = readOctal(h, 148, 8, "checksum");
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== stored) throw new TarFormatError(`header checksum mismatch at offset ${off}`);
    const name = readString(h, 0, 100);
    const prefix = readString(h, 345, 155);
    const p = prefix ? `${prefix}/${name}` : name;
    const type = String.fromCharCode(h[156]!);
    if (type !== "0" && type !== "\0") {
      const kind = type === "2" ? "symlink" : type === "1" ? "hard link" : type === "5" ? "directory" : `type '${type}'`;
      throw new TarFormatError(`entry ${JSON.stringify(p)} is a ${kind}; bundles hold regular files only`);
    }
    const why = unsafePathReason(p);
    if (why) throw new TarFormatError(`unsafe entry path ${JSON.stringify(p)}: ${why}`);
    if (seen.has(p)) throw new TarFormatError(`duplicate entry ${JSON.stringify(p)}`);
    seen.add(p);
    const size = readOctal(h, 124, 12, "size");
    const mode = readOctal(h, 100, 8, "mode");
    const start = off + BLOCK;
    if (start + size > buf.length) throw new TarFormatError(`entry ${JSON.stringify(p)} is truncated`);
    out.push({ path: p, data: Buffer.from(buf.subarray(start, start + size)), executable: (mode & 0o111) !== 0 });
    off = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
