import type { TrashEntryInfo } from "../../protocol/methods/env.js";
import { parseDurationMs } from "../../protocol/units.js";
import { canPurgeDeleted, type DeletedInfo } from "../../providers/types.js";
import type { ProviderSet } from "./provider-set.js";

const wire = (provider: string, e: DeletedInfo): TrashEntryInfo => ({
  id: e.id,
  name: e.name,
  provider,
  repo: e.repo,
  branch: e.branch,
  trash_branch: e.trashBranch,
  path: e.path,
  deleted_at: e.deletedAt,
});

/** Every provider that keeps a listable trash, by name. */
function keepers(providers: ProviderSet) {
  return providers.names().flatMap((n) => {
    const p = providers.get(n);
    return p && canPurgeDeleted(p) ? [{ name: n, p }] : [];
  });
}

/** The trash of every provider, oldest deletion first. */
export async function listTrash(providers: ProviderSet): Promise<TrashEntryInfo[]> {
  const all = await Promise.all(keepers(providers).map(async ({ name, p }) => (await p.listDeleted()).map((e) => wire(name, e))));
  return all.flat().sort((a, b) => a.deleted_at.localeCompare(b.deleted_at));
}

/** Empties the trash of entries deleted at least `olderThanMs` ago (0: all of them), only the entries `ids` names when given. */
export async function purgeTrash(providers: ProviderSet, olderThanMs: number, ids?: readonly string[]): Promise<TrashEntryInfo[]> {
  const all = await Promise.all(keepers(providers).map(async ({ name, p }) => (await p.purgeDeleted(olderThanMs, ids)).map((e) => wire(name, e))));
  return all.flat();
}

/** `env.trash_keep_for` in ms, or null when it is `off` (the trash is kept until purged by hand). */
export function trashKeepForMs(setting: string): number | null {
  if (setting === "off") return null;
  return parseDurationMs(setting);
}
