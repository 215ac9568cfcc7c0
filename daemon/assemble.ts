import type { DaemonContext } from "./context.js";
import type { Domain } from "./domains.js";
import { APPROVAL_SELF_AUDITED, approvalDomain } from "./approval/domain.js";
import { auditDomain, auditMutations } from "./audit/domain.js";
import { AuditLog } from "./audit/log.js";
import { auditMigrations } from "./audit/migrations.js";
import { envDomain } from "./env/domain.js";
import { ProviderSet } from "./env/provider-set.js";
import { EnvRegistry } from "./env/registry.js";
import { EnvService } from "./env/service.js";
import { identityDomain } from "./identity/domain.js";
import { Guard, type RunTx } from "./identity/guard.js";
import { identityMigrations } from "./identity/migrations.js";
import { TokenStore } from "./identity/tokens.js";
import { loadOrCreateKey } from "./keys/ed25519.js";
import { runtimeDomain } from "./runtime/domain.js";
import { runtimeBridge } from "./bridge/runtime-bridge.js";
import { secretsDomain } from "./secrets/domain.js";
import type { SwarmMetrics } from "./metrics/collectors.js";
import { metricsDomain } from "./metrics/domain.js";
import { loadMasterKey } from "./secrets/key-source.js";
import { Vault } from "./secrets/vault.js";
import { coordinatorDomain } from "./ticket/coordinator/domain.js";
import { ticketDomain } from "./ticket/domain.js";
import { TicketStore } from "./ticket/store.js";
import { migrate } from "./store/db.js";
import { threadDomain } from "./thread/domain.js";
import { threadMigrations } from "./thread/migrations.js";
import { vmDomain } from "./vm/domain.js";
import { wakeDomain } from "./wake/domain.js";
import { wakeMigrations } from "./wake/migrations.js";
import { ManagerPort } from "./wake/runtime-port.js";

/**
 * Builds every domain of the daemon and hands each exactly what it needs: the one place
 * where the daemon's parts meet. Nothing is looked up at run time, so the compiler sees
 * every dependency. Returns the domains in start order (stop runs in reverse).
 */
export function assembleDomains(ctx: DaemonContext, { metrics }: { metrics: SwarmMetrics }): Domain[] {
  const secretsCfg = ctx.cfg().secrets;
  const masterKey = loadMasterKey(ctx.paths.home, ctx.logger, { useKeyring: secretsCfg.keyring, retryMs: secretsCfg.keyring_retry_ms });
  const vault = new Vault(ctx.db, masterKey.key);

  const registry = new EnvRegistry(ctx.db);
  // SWARM_ENV / SWARM_PROJECT last: a user variable of that name must not hide which environment this is
  const providers = new ProviderSet(ctx, (h) => {
    const env = registry.get(h.name);
    return env ? { ...vault.resolve(env.project), SWARM_ENV: h.name, SWARM_PROJECT: env.project } : { SWARM_ENV: h.name };
  });
  const envs = new EnvService(ctx, registry, providers);

  // One ticket store for every domain that moves tickets, so their transactions nest and events go out once, at commit.
  const tickets = new TicketStore(ctx.db, ctx.events, { maxBodyBytes: () => ctx.cfg().tickets.max_body_bytes });
  // Threads, agent identity and the audit log (issue 10). Their tables migrate here, with the domains that own them.
  migrate(ctx.db, { audit: auditMigrations, identity: identityMigrations, thread: threadMigrations, wake: wakeMigrations });
  const audit = new AuditLog(ctx.db);
  // The one Transactor: events appended in a thread call reach listeners only after it commits.
  const tx: RunTx = (fn) => ctx.events.transactor.run(fn);
  // one key signs result bundles and agent tokens
  const key = loadOrCreateKey(ctx.paths.home);
  const tokens = new TokenStore(ctx.db, key);
  const guard = new Guard(tokens, audit, tx);
  const runtime = runtimeDomain(ctx, {
    envs,
    // an agent's token is for its runtime's workspace: its ticket's, else its environment's project
    bridge: runtimeBridge(ctx, tokens, {
      ticketWorkspace: (id) => tickets.find(id)?.workspace ?? null,
      envProject: (name) => registry.get(name)?.project ?? null,
      envProvider: (name) => registry.get(name)?.provider ?? null,
    }),
    secrets: () => vault.secretValues(),
    audit: (rec) => void audit.append(rec),
  });

  const assertTicket = (id: string) => void tickets.get(id);
  // Wakes type into runtimes only through the manager's send (issue 12); thread.trigger and heartbeats hand over to it.
  const wake = wakeDomain(ctx, { runtimes: new ManagerPort(runtime.manager), audit });
  // built before the coordinator, which opens tickets' review threads through it
  const threads = threadDomain(ctx, { guard, audit, assertTicket, wake: wake.service, bridgeHello: (name) => runtime.manager.bridgeConnected(name) });

  // Every mutating call of these domains lands in the audit log (the thread, identity and audit domains audit their own).
  const audited = [
    secretsDomain(ctx, { vault, keySource: masterKey.source }),
    envDomain(ctx, { service: envs }),
    coordinatorDomain(ctx, { tickets, envs, runtimes: runtime.manager, key, reviewThreads: threads.ticketThreads }),
    ticketDomain(ctx, { tickets }),
    approvalDomain(ctx, { tickets, audit }),
    runtime,
    vmDomain(ctx, { baseImages: providers.baseImages() }),
    metricsDomain(ctx, { metrics }),
  ].map((d) => auditMutations(d, audit, APPROVAL_SELF_AUDITED));
  return [...audited, identityDomain(ctx, { tokens, guard }), threads, auditDomain({ audit, guard }), auditMutations(wake, audit)];
}
