import type { Migration } from "../store/db.js";

/**
 * Agent tokens the daemon minted (for revocation: a token whose jti is not here is refused)
 * and the nonces seen per token (replay protection, R-O5), kept until the token expires.
 * Times are ms since the epoch.
 */
export const identityMigrations: Migration[] = [
  {
    version: 1,
    name: "agent tokens and nonces",
    sql: `
      CREATE TABLE agent_tokens (
        jti TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        role TEXT NOT NULL,
        session_id TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        minted_by TEXT NOT NULL,
        revoked_at INTEGER,
        revoke_reason TEXT
      );
      CREATE INDEX agent_tokens_agent ON agent_tokens(agent_id);
      CREATE INDEX agent_tokens_session ON agent_tokens(session_id);
      CREATE TABLE agent_nonces (
        jti TEXT NOT NULL,
        nonce TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        method TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (jti, nonce)
      );
      CREATE INDEX agent_nonces_expiry ON agent_nonces(expires_at);
    `,
  },
  {
    version: 2,
    name: "nonces in one b-tree",
    // An agent's every call inserts a random nonce: as a rowid table with a primary-key index
    // and an expiry index that was three b-trees written per call, now one. Expired nonces are
    // purged by their token (agent_tokens.expires_at is the same time), through the key's prefix.
    sql: `
      CREATE TABLE agent_nonces_v2 (
        jti TEXT NOT NULL,
        nonce TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        method TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (jti, nonce)
      ) WITHOUT ROWID;
      INSERT INTO agent_nonces_v2 SELECT jti, nonce, request_hash, method, expires_at FROM agent_nonces;
      DROP TABLE agent_nonces;
      ALTER TABLE agent_nonces_v2 RENAME TO agent_nonces;
    `,
  },
];
