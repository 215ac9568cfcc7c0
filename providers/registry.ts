import type { Provider, ProviderContext } from "./types.js";
import { SandboxProvider } from "./sandbox/provider.js";
import { WorktreeProvider } from "./worktree/provider.js";
import { VmProvider } from "./vm/provider.js";

/** Builds the context one provider gets (its own stateDir, the logger, forwarded env). */
export type ProviderContextFor = (providerName: string) => ProviderContext;

/** Provider names in the order `swarmctl providers` lists them; worktree is the default. */
export const PROVIDER_NAMES = ["worktree", "sandbox", "vm"] as const;
export const DEFAULT_PROVIDER = "worktree";

/** Every provider this build has, constructed (cheap: no probing until detect()). */
export function createProviders(ctxFor: ProviderContextFor): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  providers.set("worktree", new WorktreeProvider(ctxFor("worktree")));
  providers.set("sandbox", new SandboxProvider(ctxFor("sandbox")));
  providers.set("vm", new VmProvider(ctxFor("vm")));
  return providers;
}

export interface PlannedProvider {
  name: string;
  summary: string;
  /** why it is not available in this build */
  reason: string;
}

/** Listed by `swarmctl providers` as "planned, not yet available". */
export const PLANNED_PROVIDERS: PlannedProvider[] = [
  {
    name: "libvirt",
    summary: "VMs managed by libvirtd",
    reason: "not built yet: the vm provider drives QEMU directly, which covers Linux hosts without a libvirtd",
  },
  {
    name: "macos-vz",
    summary: "macOS Virtualization.framework VMs",
    reason: "not built yet: needs a signed helper binary with the virtualization entitlement on macOS",
  },
  { name: "hyperv", summary: "Hyper-V VMs on Windows", reason: "not built yet: swarm runs on Linux and macOS only so far" },
  {
    name: "firecracker",
    summary: "Firecracker microVMs",
    reason: "not built yet: needs working KVM (not available on this kind of host: /dev/kvm is kvm_pvm) and a jailer setup",
  },
  {
    name: "kubernetes",
    summary: "one pod per environment",
    reason: "not built yet: needs a cluster and an in-pod agent; out of scope for a local control plane so far",
  },
  { name: "cloud-vm", summary: "cloud VMs (EC2, GCE, …)", reason: "not built yet: needs account credentials and image pipelines per cloud" },
];
