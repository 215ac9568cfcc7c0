/**
 * The one RPC client of swarm, shared by swarmctl, the TUI and the tests. Imports only
 * protocol/ (and node builtins); loads no schemas, so one-shot commands stay fast.
 */
export { RpcClient, type CallOptions, type ClientOptions, type DaemonLimits } from "./connection.js";
export { connectDaemon, startDaemon, tryConnect, type ConnectOptions } from "./connect.js";
export { followEvents, type FollowOptions } from "./follow.js";
export { RpcResponseError, toSwarmError } from "./errors.js";
export { DEADLINE_ENV, DEFAULT_DEADLINES_MS, deadlineKind, parseDuration, resolveDeadlines, type DeadlineKind, type Deadlines } from "./deadlines.js";
export type { AnyMethod, MethodName, ParamsFor, ParamsOf, ResultFor, ResultOf } from "./methods.js";
