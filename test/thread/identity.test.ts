import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { AuditEntry } from "../../protocol/methods/audit.js";
import type { Thread } from "../../protocol/thread/model.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { mintAgent, nonce, rpc } from "./helpers.js";

let d: TestDaemon;
let c: RpcClient;
let thread: Thread;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
  thread = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "identity", participants: [{ agent_id: "alice" }, { agent_id: "bob" }] })).thread;
});
afterAll(async () => {
  await d?.stop();
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

/** Every refusal is audited: the newest denied row names the method and the reason code. */
async function lastDenied(): Promise<AuditEntry> {
  const { entries } = await rpc<{ entries: AuditEntry[] }>(c, "audit.list", { outcome: "denied", limit: 10000 });
  return entries[entries.length - 1]!;
}

async function refused(call: () => Promise<unknown>, reason_code: string): Promise<void> {
  const before = (await rpc<{ entries: AuditEntry[] }>(c, "audit.list", { outcome: "denied", limit: 10000 })).entries.length;
  const e = await errOf(call());
  expect(e.kind).toBe("PERMISSION_DENIED");
  expect(e.details?.reason_code).toBe(reason_code);
  const after = (await rpc<{ entries: AuditEntry[] }>(c, "audit.list", { outcome: "denied", limit: 10000 })).entries;
  expect(after.length).toBe(before + 1);
  expect(after[after.length - 1]!.details.reason_code).toBe(reason_code);
}

describe("agent tokens", () => {
  it("a minted token is a compact EdDSA JWS with the claims; the agent posts as itself", async () => {
    const a = await mintAgent(c, "alice", { workspace: "default" });
    const [h, p] = a.token.split(".") as [string, string, string];
    expect(decode(h)).toMatchObject({ alg: "EdDSA", typ: "JWT" });
    expect(decode(p)).toMatchObject({ iss: "swarmd", agent_id: "alice", workspace_id: "default", role: "participant", jti: a.jti });
    const r = await a.call<{ message: { author: string } }>("thread.post", { id: thread.id, body: "hello" });
    expect(r.message.author).toBe("alice");
  });

  it("tampered: a changed claim or signature is refused and audited", async () => {
    const a = await mintAgent(c, "alice");
    const [h, p, s] = a.token.split(".") as [string, string, string];
    const forged = `${h}.${b64({ ...decode(p), agent_id: "bob" })}.${s}`;
    await refused(() => rpc(c, "thread.post", { id: thread.id, body: "x", auth: { token: forged, nonce: nonce() } }), "bad_signature");
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith("AA") ? "BB" : "AA"}`;
    await refused(() => rpc(c, "thread.post", { id: thread.id, body: "x", auth: { token: flipped, nonce: nonce() } }), "bad_signature");
    const none = `${b64({ alg: "none", typ: "JWT" })}.${p}.${s}`;
    await refused(() => rpc(c, "thread.post", { id: thread.id, body: "x", auth: { token: none, nonce: nonce() } }), "malformed");
    expect((await lastDenied()).actor).toBe("alice?");
  });

  it("expired: a token past exp (at least 2 s after minting: exp has whole seconds) is refused and audited", async () => {
    const a = await mintAgent(c, "alice", { ttl_ms: 3000 });
    await a.call("thread.get", { id: thread.id });
    await waitFor("the token to expire", () => Date.now() > Number(decode(a.token.split(".")[1]!).exp) * 1000 + 50, 10_000);
    await refused(() => a.call("thread.get", { id: thread.id }), "expired");
  });

  it("revoked: by jti and by agent; refresh rotates without dropping the old token", async () => {
    const a = await mintAgent(c, "bob");
    const fresh = await a.call<{ token: string; claims: { jti: string; agent_id: string } }>("agent.token_refresh", {});
    expect(fresh.claims.agent_id).toBe("bob");
    expect(fresh.claims.jti).not.toBe(a.jti);
    await a.call("thread.get", { id: thread.id }); // the old token still works until it expires
    expect(await rpc(c, "agent.revoke", { jti: a.jti, reason: "rotated" })).toEqual({ revoked: 1 });
    await refused(() => a.call("thread.get", { id: thread.id }), "revoked");
    await rpc(c, "thread.get", { id: thread.id, auth: { token: fresh.token, nonce: nonce() } });
    expect(await rpc(c, "agent.revoke", { agent_id: "bob", reason: "left the project" })).toEqual({ revoked: 1 });
    await refused(() => rpc(c, "thread.get", { id: thread.id, auth: { token: fresh.token, nonce: nonce() } }), "revoked");
  });

  it("replayed: the same nonce twice is refused, for the same and for another request", async () => {
    const a = await mintAgent(c, "alice");
    const auth = { token: a.token, nonce: nonce() };
    await rpc(c, "thread.post", { id: thread.id, body: "once", auth });
    await refused(() => rpc(c, "thread.post", { id: thread.id, body: "once", auth }), "replayed");
    await refused(() => rpc(c, "thread.post", { id: thread.id, body: "twice", auth }), "nonce_reused");
  });

  it("claim mismatch: an agent cannot post, read or ack as another", async () => {
    const a = await mintAgent(c, "alice");
    await refused(() => a.call("thread.post", { id: thread.id, body: "I am bob", as: "bob" }), "claim_mismatch");
    await refused(() => a.call("thread.ack", { id: thread.id, as: "bob" }), "claim_mismatch");
    await refused(() => a.call("thread.read", { id: thread.id, as: "bob" }), "claim_mismatch");
  });

  it("cross-workspace: a thread of another workspace is out of reach, by params or by id", async () => {
    const other = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "elsewhere", workspace: "web", participants: [{ agent_id: "alice" }] })).thread;
    const a = await mintAgent(c, "alice", { workspace: "default" });
    await refused(() => a.call("thread.get", { id: other.id }), "cross_workspace");
    await refused(() => a.call("thread.post", { id: other.id, body: "hi" }), "cross_workspace");
    await refused(() => a.call("thread.create", { title: "sneaky", workspace: "web" }), "cross_workspace");
    expect((await a.call<{ threads: Thread[] }>("thread.list", {})).threads.map((t) => t.workspace)).not.toContain("web");
  });

  it("a participant sees only its threads; the operator-only methods refuse tokens", async () => {
    const lone = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "private", participants: [{ agent_id: "bob" }] })).thread;
    const a = await mintAgent(c, "alice");
    await refused(() => a.call("thread.read", { id: lone.id }), "not_participant");
    await refused(() => a.call("agent.token_mint", { agent_id: "root" }), "role");
    await refused(() => rpc(c, "agent.token_refresh", {}), "role");
  });

  it("the daemon's key signs tokens; a database copy cannot mint (unknown jti)", async () => {
    const a = await mintAgent(c, "alice");
    await d.stop();
    const db = new Database(d.paths.database);
    db.prepare("DELETE FROM agent_tokens WHERE jti = ?").run(a.jti);
    db.close();
    d = await d.restart();
    c = await d.client();
    await refused(() => rpc(c, "thread.get", { id: thread.id, auth: { token: a.token, nonce: nonce() } }), "unknown_token");
  });
});
