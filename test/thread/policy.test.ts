import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { THREAD_TRANSITIONS } from "../../daemon/thread/state-machine.js";
import { THREAD_STATUSES, type Thread } from "../../protocol/thread/model.js";
import { CALLER_ROLES, ROLE_MATRIX, type CallerRole } from "../../protocol/thread/roles.js";
import { startDaemon, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { mintAgent, type Agent, rpc } from "./helpers.js";

let d: TestDaemon;
let c: RpcClient;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  await d?.stop();
});

const create = async (params: Record<string, unknown> = {}) => (await rpc<{ thread: Thread }>(c, "thread.create", { title: "t", ...params })).thread;

describe("thread status table", () => {
  it("every (from, to) pair is allowed or refused as the table says", async () => {
    for (const from of THREAD_STATUSES) {
      for (const to of THREAD_STATUSES) {
        const t = await create();
        if (from !== "open") await rpc(c, "thread.override", { id: t.id, to: from, reason: "set up" });
        const move = rpc<Thread>(c, "thread.status", { id: t.id, to, reason: "table test" });
        if (THREAD_TRANSITIONS[from].includes(to)) {
          expect((await move).status, `${from} -> ${to}`).toBe(to);
        } else {
          const e = await errOf(move);
          expect(e.kind, `${from} -> ${to}`).toBe("INVALID_TRANSITION");
          expect(e.message).toContain(`cannot go from ${from} to ${to}`);
          expect(e.details?.allowed).toEqual([...THREAD_TRANSITIONS[from]]);
        }
      }
    }
  });

  it("a participant cannot force-close a disputed thread; a coordinator needs a reason; the operator can", async () => {
    const t = await create({ participants: [{ agent_id: "p1" }, { agent_id: "k1" }] });
    const p = await mintAgent(c, "p1");
    const k = await mintAgent(c, "k1", { role: "coordinator" });
    await p.call("thread.status", { id: t.id, to: "disputed", reason: "disagree" });
    for (const to of ["closed", "resolved"]) {
      const e = await errOf(p.call("thread.status", { id: t.id, to, reason: "I win" }));
      expect([e.kind, e.details?.reason_code]).toEqual(["PERMISSION_DENIED", "role"]);
    }
    expect((await errOf(k.call("thread.status", { id: t.id, to: "closed" }))).kind).toBe("INVALID_ARGUMENT");
    expect((await k.call<Thread>("thread.status", { id: t.id, to: "resolved", reason: "reviewed both" })).status).toBe("resolved");
    const t2 = await create();
    await rpc(c, "thread.status", { id: t2.id, to: "disputed" });
    expect((await errOf(rpc(c, "thread.status", { id: t2.id, to: "closed" }))).kind).toBe("INVALID_ARGUMENT");
    expect((await rpc<Thread>(c, "thread.status", { id: t2.id, to: "closed", reason: "operator decides" })).status).toBe("closed");
  });
});

describe("role × method matrix", () => {
  it("every role may call exactly the methods the matrix gives it", async () => {
    const t = await create({ participants: [{ agent_id: "m-participant" }, { agent_id: "m-coordinator" }, { agent_id: "m-auditor" }] });
    await rpc(c, "thread.post", { id: t.id, body: "seed" });
    const agents: Partial<Record<CallerRole, Agent>> = {};
    for (const role of ["participant", "coordinator", "auditor"] as const) agents[role] = await mintAgent(c, `m-${role}`, { role });
    const params = (method: string, role: CallerRole): Record<string, unknown> =>
      ({
        "thread.create": { title: "matrix" },
        "thread.list": {},
        "thread.post": { id: t.id, body: `from ${role}` },
        "thread.status": { id: t.id, to: "waiting" },
        "thread.escalate": { id: t.id, reason: "matrix" },
        "thread.unblock": { id: t.id, reason: "matrix" },
        "thread.override": { id: t.id, to: "open", reason: "matrix" },
        "session.heartbeat": role === "operator" ? { agent_id: "someone", session_id: "s-1" } : {},
        "bridge.hello": {},
        "agent.token_refresh": {},
        "agent.token_mint": { agent_id: "minted" },
        "agent.revoke": { jti: "no-such-jti", reason: "matrix" },
        "audit.list": {},
        "audit.verify": {},
      })[method] ?? { id: t.id };
    for (const [method, allowed] of Object.entries(ROLE_MATRIX)) {
      for (const role of CALLER_ROLES) {
        const p = params(method, role);
        const outcome = await (role === "operator" ? rpc(c, method, p) : agents[role]!.call(method, p)).then(
          () => "ok",
          (e: { kind?: string; details?: { reason_code?: string } }) => (e.kind === "PERMISSION_DENIED" && e.details?.reason_code === "role" ? "denied" : "ok"),
        );
        expect(outcome, `${role} ${method}`).toBe(allowed.includes(role) ? "ok" : "denied");
      }
    }
  });
});
