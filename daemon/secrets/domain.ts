import * as m from "../../protocol/methods/secret.js";
import { SwarmError } from "../../protocol/errors.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { handle } from "../rpc/handler.js";
import { loadMasterKey, type MasterKey } from "./key-source.js";
import { Vault } from "./vault.js";

interface Secrets {
  vault: Vault;
  keySource: MasterKey["source"];
}

/** One vault per daemon context, shared by the secrets and env domains (no module singleton). */
const byCtx = new WeakMap<DaemonContext, Secrets>();

export function secretsFor(ctx: DaemonContext): Secrets {
  let s = byCtx.get(ctx);
  if (!s) {
    // SWARM_KEYRING_RETRY_MS: how often an unreachable keyring is asked again (tests shorten it)
    const retryMs = Number(process.env.SWARM_KEYRING_RETRY_MS) || undefined;
    const mk = loadMasterKey(ctx.paths.home, ctx.logger, { useKeyring: process.env.SWARM_NO_KEYRING !== "1", ...(retryMs ? { retryMs } : {}) });
    s = { vault: new Vault(ctx.db, mk.key), keySource: mk.source };
    byCtx.set(ctx, s);
  }
  return s;
}

export function secretsDomain(ctx: DaemonContext): Domain {
  const s = () => secretsFor(ctx);
  return {
    name: "secrets",
    handlers: [
      handle(m.secretSet, (p) => {
        const created = s().vault.set(p.name, p.value, { plain: p.plain, ...(p.project !== undefined ? { project: p.project } : {}) });
        ctx.events.append(p.plain ? "var.set" : "secret.set", p.name, { project: p.project ?? null });
        return { name: p.name, project: p.project ?? null, plain: p.plain, created };
      }),
      handle(m.secretList, (p) => ({ key_source: s().keySource, entries: s().vault.list(p.project) })),
      handle(m.secretRm, (p) => {
        if (!s().vault.remove(p.name, p.project)) {
          const where = p.project ? `project ${JSON.stringify(p.project)}` : "the global scope";
          // the usual slip is the scope: say where that name does live
          const elsewhere = s()
            .vault.list()
            .filter((e) => e.name === p.name && (e.project ?? undefined) !== p.project);
          const hint = elsewhere.length
            ? `${p.name} is in ${elsewhere.map((e) => (e.project === null ? "the global scope (drop --project)" : `project ${e.project} (--project ${e.project})`)).join(" and ")}`
            : "see `swarmctl secret list`";
          throw new SwarmError("NOT_FOUND", `no variable or secret ${p.name} in ${where}`, { hint });
        }
        ctx.events.append("secret.removed", p.name, { project: p.project ?? null });
        return { removed: true as const };
      }),
    ],
    start() {
      secretsFor(ctx);
    },
  };
}
