import type { z } from "zod";
import type { MethodDef } from "../protocol/method.js";
import type * as approval from "../protocol/methods/approval.js";
import type * as config from "../protocol/methods/config.js";
import type * as coordinator from "../protocol/methods/coordinator.js";
import type * as daemon from "../protocol/methods/daemon.js";
import type * as env from "../protocol/methods/env.js";
import type * as event from "../protocol/methods/event.js";
import type * as provider from "../protocol/methods/provider.js";
import type * as runtime from "../protocol/methods/runtime.js";
import type * as secret from "../protocol/methods/secret.js";
import type * as ticket from "../protocol/methods/ticket.js";
import type * as vm from "../protocol/methods/vm.js";

/*
 * The method table as types only: importing these modules for their types costs nothing at
 * run time, so a one-shot swarmctl call gets typed params and results by method name
 * without loading zod (~60 ms). The list matches protocol/methods/index.ts.
 */
type DefsIn<Mod> = { [K in keyof Mod]: Mod[K] extends MethodDef ? Mod[K] : never }[keyof Mod];

export type AnyMethod =
  | DefsIn<typeof approval>
  | DefsIn<typeof config>
  | DefsIn<typeof coordinator>
  | DefsIn<typeof daemon>
  | DefsIn<typeof env>
  | DefsIn<typeof event>
  | DefsIn<typeof provider>
  | DefsIn<typeof runtime>
  | DefsIn<typeof secret>
  | DefsIn<typeof ticket>
  | DefsIn<typeof vm>;

/** Every method name the daemon serves, as a union of string literals. */
export type MethodName = AnyMethod["name"];
export type MethodNamed<N extends MethodName> = Extract<AnyMethod, { readonly name: N }>;

/** What a caller passes (before defaults) and what it gets back (after parsing). */
export type ParamsOf<M extends MethodDef> = z.input<M["params"]>;
export type ResultOf<M extends MethodDef> = z.output<M["result"]>;
export type ParamsFor<N extends MethodName> = ParamsOf<MethodNamed<N>>;
export type ResultFor<N extends MethodName> = ResultOf<MethodNamed<N>>;
