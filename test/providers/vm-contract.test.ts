/** The shared provider contract, run against the vm provider (real QEMU, TCG here). */
import { VmProvider } from "../../providers/vm/provider.js";
import { defineProviderContract } from "./contract.js";
import { VM_SKIP_REASON, ensureTestBase } from "./vm-fixture.js";

defineProviderContract("vm", async (ctx) => new VmProvider(ctx, { baseDir: await ensureTestBase() }), {
  spec: { cpus: 1, memoryMiB: 384 },
  timeoutMs: 180_000,
  skipReason: VM_SKIP_REASON,
});
