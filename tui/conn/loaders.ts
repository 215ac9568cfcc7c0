import type { MethodName, ParamsFor, ResultFor } from "../../client/index.js";
import type { Data } from "../state/types.js";
import type { Domain } from "./refresh-plan.js";

export type Caller = <N extends MethodName>(method: N, params: ParamsFor<N>) => Promise<ResultFor<N>>;

/** Fetches one list from the daemon as a patch of the store's data. */
export async function loadDomain(d: Domain, call: Caller): Promise<Partial<Data>> {
  switch (d) {
    case "runtimes":
      return { runtimes: (await call("runtime.list", {})).runtimes };
    case "tickets":
      return { tickets: (await call("ticket.list", { limit: 1000 })).tickets };
    case "approvals":
      return { approvals: (await call("approval.list", {})).approvals };
    case "threads":
      return { threads: (await call("thread.list", { limit: 500 })).threads };
    case "envs": {
      const [envs, resources] = await Promise.all([call("env.list", {}), call("env.resources", {})]);
      return { envs: envs.envs, resources };
    }
    case "coordinator":
      return { coordinator: await call("coordinator.status", {}) };
  }
}
