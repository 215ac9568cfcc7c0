import { SandboxProvider } from "../../providers/sandbox/provider.js";
import { defineProviderContract } from "./contract.js";

const cleanup = async (p: unknown) => (p as SandboxProvider).close();
defineProviderContract("sandbox", (ctx) => new SandboxProvider(ctx), { label: "overlay, net none", spec: { net: "none" }, cleanup });
defineProviderContract("sandbox", (ctx) => new SandboxProvider(ctx, { mode: "clone" }), { label: "clone, net proxy", spec: { net: "proxy" }, cleanup });
