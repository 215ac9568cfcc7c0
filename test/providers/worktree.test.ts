import { WorktreeProvider } from "../../providers/worktree/provider.js";
import { defineProviderContract } from "./contract.js";

defineProviderContract("worktree", (ctx) => new WorktreeProvider(ctx), { spec: { net: "full" } });
