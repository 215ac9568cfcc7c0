import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SwarmError } from "../../protocol/errors.js";
import type { Db } from "../store/db.js";

export interface VarEntry {
  name: string;
  project: string | null;
  plain: boolean;
  value: string | null;
  updated_at: string;
}

interface Row {
  scope: string;
  name: string;
  plain: number;
  value: string | null;
  iv: Buffer | null;
  tag: Buffer | null;
  ct: Buffer | null;
  updated_at: string;
}

const scopeOf = (project: string | undefined | null) => project ?? "";

/**
 * Variables and secrets. Secrets are sealed with AES-256-GCM; the scope and name are the
 * additional data, so a ciphertext moved to another row fails to open.
 */
export class Vault {
  constructor(
    private readonly db: Db,
    /** a function throws UNAVAILABLE when the key cannot be had now (keyring not answering) */
    private readonly keyOrGet: Buffer | (() => Buffer),
  ) {}

  private key(): Buffer {
    return typeof this.keyOrGet === "function" ? this.keyOrGet() : this.keyOrGet;
  }

  private seal(scope: string, name: string, value: string): { iv: Buffer; tag: Buffer; ct: Buffer } {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key(), iv);
    c.setAAD(Buffer.from(`${scope}\0${name}`));
    const ct = Buffer.concat([c.update(value, "utf8"), c.final()]);
    return { iv, tag: c.getAuthTag(), ct };
  }

  private open(r: Row, key: Buffer): string {
    const d = createDecipheriv("aes-256-gcm", key, r.iv!);
    d.setAAD(Buffer.from(`${r.scope}\0${r.name}`));
    d.setAuthTag(r.tag!);
    return Buffer.concat([d.update(r.ct!), d.final()]).toString("utf8");
  }

  /** Returns true when the variable is new in that scope. */
  set(name: string, value: string, opts: { project?: string; plain: boolean }): boolean {
    const scope = scopeOf(opts.project);
    const existed = this.db.prepare("SELECT 1 FROM env_vars WHERE scope = ? AND name = ?").get(scope, name) !== undefined;
    const now = new Date().toISOString();
    if (opts.plain) {
      this.db
        .prepare("INSERT OR REPLACE INTO env_vars (scope, name, plain, value, iv, tag, ct, updated_at) VALUES (?, ?, 1, ?, NULL, NULL, NULL, ?)")
        .run(scope, name, value, now);
    } else {
      const s = this.seal(scope, name, value);
      this.db
        .prepare("INSERT OR REPLACE INTO env_vars (scope, name, plain, value, iv, tag, ct, updated_at) VALUES (?, ?, 0, NULL, ?, ?, ?, ?)")
        .run(scope, name, s.iv, s.tag, s.ct, now);
    }
    return !existed;
  }

  remove(name: string, project?: string): boolean {
    return this.db.prepare("DELETE FROM env_vars WHERE scope = ? AND name = ?").run(scopeOf(project), name).changes > 0;
  }

  /** Never includes a secret's value. With a project: that project's entries and the global ones. */
  list(project?: string): VarEntry[] {
    const rows = (
      project === undefined
        ? this.db.prepare("SELECT * FROM env_vars ORDER BY scope, name").all()
        : this.db.prepare("SELECT * FROM env_vars WHERE scope IN ('', ?) ORDER BY scope, name").all(project)
    ) as Row[];
    return rows.map((r) => ({
      name: r.name,
      project: r.scope === "" ? null : r.scope,
      plain: r.plain === 1,
      value: r.plain === 1 ? r.value : null,
      updated_at: r.updated_at,
    }));
  }

  /**
   * The value of every secret, in every scope (plain variables are not secrets): what a
   * runtime's output is redacted of (R-O4). Every scope, not only the runtime's: a program
   * may read another project's secret from a file, and masking a value it never had costs
   * nothing. A row that does not decrypt is skipped (it cannot be forwarded either); a key
   * that cannot be had now throws, so nothing starts unredacted by accident.
   */
  secretValues(): string[] {
    const rows = this.db.prepare("SELECT * FROM env_vars WHERE plain = 0").all() as Row[];
    if (!rows.length) return [];
    const key = this.key();
    const out: string[] = [];
    for (const r of rows) {
      try {
        out.push(this.open(r, key));
      } catch {
        // tampered or sealed with another key: resolve() names it when it is used
      }
    }
    return out;
  }

  /** The variables forwarded into an environment of `project`: global, overridden by the project's. */
  resolve(project: string): Record<string, string> {
    const rows = this.db.prepare("SELECT * FROM env_vars WHERE scope IN ('', ?) ORDER BY scope").all(project) as Row[];
    const out: Record<string, string> = {};
    let key: Buffer | null = null;
    for (const r of rows) {
      if (r.plain === 1) {
        out[r.name] = r.value ?? "";
        continue;
      }
      key ??= this.key();
      try {
        out[r.name] = this.open(r, key);
      } catch {
        const scope = r.scope === "" ? "global" : `project ${r.scope}`;
        throw new SwarmError("INTERNAL", `secret ${r.name} (${scope}) cannot be decrypted: the secrets key changed or the row was tampered with`, {
          hint: `set it again with \`swarmctl secret set ${r.name}${r.scope ? ` --project ${r.scope}` : ""} --stdin\`, or restore the old secrets.key`,
        });
      }
    }
    return out;
  }
}
