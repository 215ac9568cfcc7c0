import type { Provider, ProviderContext } from "../../providers/types.js";
import { WorktreeProvider } from "../../providers/worktree/provider.js";

export interface ProviderFactory {
  name: string;
  make(ctx: ProviderContext): Provider;
}

/** Providers built into this daemon. TODO(lead): replace with providers/registry.ts once it lands. */
export const PROVIDER_FACTORIES: ProviderFactory[] = [{ name: "worktree", make: (ctx) => new WorktreeProvider(ctx) }];

/** Documented, not built yet (R-E2): listed by `swarmctl providers` as not yet available. */
export const PLANNED_PROVIDERS: { name: string; summary: string }[] = [
  { name: "libvirt", summary: "VMs managed through libvirt" },
  { name: "macos-vz", summary: "macOS Virtualization.framework VMs" },
  { name: "hyperv", summary: "Hyper-V VMs on Windows" },
  { name: "firecracker", summary: "Firecracker microVMs" },
  { name: "kubernetes", summary: "Kubernetes pods" },
  { name: "cloud", summary: "cloud VMs (EC2, GCE, …)" },
];
