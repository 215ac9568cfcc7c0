import * as m from "../../protocol/methods/secret.js";
import { SwarmError } from "../../protocol/errors.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { handle } from "../rpc/handler.js";
import type { MasterKey } from "./key-source.js";
import type { Vault } from "./vault.js";

export interface SecretsDeps {
  vault: Vault;
  keySource: MasterKey["source"];
}

/** Variables and secrets (R-E7) over RPC. The vault is built by the assembler and shared with the env domain. */
export function secretsDomain(ctx: DaemonContext, { vault, keySource }: SecretsDeps): Domain {
  return {
    name: "secrets",
    handlers: [
      handle(m.secretSet, (p) => {
        const created = vault.set(p.name, p.value, { plain: p.plain, ...(p.project !== undefined ? { project: p.project } : {}) });
        ctx.events.append(p.plain ? "var.set" : "secret.set", p.name, { project: p.project ?? null });
        return { name: p.name, project: p.project ?? null, plain: p.plain, created };
      }),
      handle(m.secretList, (p) => ({ key_source: keySource, entries: vault.list(p.project) })),
      handle(m.secretRm, (p) => {
        if (!vault.remove(p.name, p.project)) {
          const where = p.project ? `project ${JSON.stringify(p.project)}` : "the global scope";
          // the usual slip is the scope: say where that name does live
          const elsewhere = vault.list().filter((e) => e.name === p.name && (e.project ?? undefined) !== p.project);
          const hint = elsewhere.length
            ? `${p.name} is in ${elsewhere.map((e) => (e.project === null ? "the global scope (drop --project)" : `project ${e.project} (--project ${e.project})`)).join(" and ")}`
            : "see `swarmctl secret list`";
          throw new SwarmError("NOT_FOUND", `no variable or secret ${p.name} in ${where}`, { hint });
        }
        ctx.events.append("secret.removed", p.name, { project: p.project ?? null });
        return { removed: true as const };
      }),
    ],
  };
}
