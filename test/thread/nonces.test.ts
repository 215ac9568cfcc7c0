import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { identityMigrations } from "../../daemon/identity/migrations.js";
import { TokenStore } from "../../daemon/identity/tokens.js";
import { loadOrCreateKey } from "../../daemon/keys/ed25519.js";
import { migrate, openDatabase, type Db } from "../../daemon/store/db.js";
import { errOf } from "../helpers/errors.js";

/**
 * The nonce table (replay protection, R-O5) on a real database: one b-tree since identity
 * migration 2, nonces recorded before the upgrade still refuse their replay, and expired
 * tokens' nonces are purged by token while live ones stay.
 */
const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function open(only?: number): { db: Db; home: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-nonces-"));
  dirs.push(home);
  const db = openDatabase(path.join(home, "swarm.db"));
  dbs.push(db);
  migrate(db, { identity: only ? identityMigrations.slice(0, only) : identityMigrations });
  return { db, home };
}

const mintFor = (tokens: TokenStore, ttl_ms: number) =>
  tokens.mint({ agent_id: "a1", workspace_id: "default", role: "participant", session_id: "s1", ttl_ms }, "test");

describe("agent nonces", () => {
  it("a nonce recorded before migration 2 is still a replay after it; the table is one b-tree", async () => {
    const { db, home } = open(1);
    const before = new TokenStore(db, loadOrCreateKey(home));
    const m = mintFor(before, 60_000);
    before.useNonce(m.claims, "nonce-before-upgrade-1", "thread.post", "h1");
    migrate(db, { identity: identityMigrations });
    const after = new TokenStore(db, loadOrCreateKey(home));
    expect((await errOf(Promise.resolve().then(() => after.useNonce(m.claims, "nonce-before-upgrade-1", "thread.post", "h1")))).details?.reason_code).toBe(
      "replayed",
    );
    expect((await errOf(Promise.resolve().then(() => after.useNonce(m.claims, "nonce-before-upgrade-1", "thread.get", "h2")))).details?.reason_code).toBe(
      "nonce_reused",
    );
    after.useNonce(m.claims, "nonce-after-upgrade-01", "thread.post", "h3");
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agent_nonces'").all() as { name: string }[];
    expect(indexes.map((i) => i.name).filter((n) => !n.startsWith("sqlite_autoindex_"))).toEqual([]); // no expiry index any more
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'agent_nonces'").pluck().get()).toMatch(/WITHOUT ROWID/);
  });

  it("purging drops the nonces of expired tokens and keeps those of live ones", () => {
    const { db, home } = open();
    const tokens = new TokenStore(db, loadOrCreateKey(home));
    const old = mintFor(tokens, 1_000);
    const live = mintFor(tokens, 3_600_000);
    for (let i = 0; i < 5; i++) {
      tokens.useNonce(old.claims, `old-nonce-${i}-xxxxxxxx`, "thread.post", `o${i}`);
      tokens.useNonce(live.claims, `live-nonce-${i}-xxxxxxx`, "thread.post", `l${i}`);
    }
    const count = (jti: string) => db.prepare("SELECT COUNT(*) FROM agent_nonces WHERE jti = ?").pluck().get(jti);
    tokens.purgeNonces(Date.now()); // nothing has expired yet
    expect([count(old.claims.jti), count(live.claims.jti)]).toEqual([5, 5]);
    tokens.purgeNonces(Date.now() + 60_000);
    expect([count(old.claims.jti), count(live.claims.jti)]).toEqual([0, 5]);
  });
});
