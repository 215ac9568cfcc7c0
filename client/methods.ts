import type { z } from "zod";
import type { MethodDef } from "../protocol/method.js";
import type { METHOD_GROUPS } from "../protocol/methods/index.js";

/*
 * The method table as types only: importing these modules for their types costs nothing at
 * run time, so a one-shot swarmctl call gets typed params and results by method name
 * without loading zod (~60 ms). The groups are those of protocol/methods/index.ts, so a new
 * domain is typed here as soon as it is registered there.
 */
type DefsIn<Mod> = { [K in keyof Mod]: Mod[K] extends MethodDef ? Mod[K] : never }[keyof Mod];

type Groups = typeof METHOD_GROUPS;
export type AnyMethod = { [G in keyof Groups]: DefsIn<Groups[G]> }[keyof Groups];

/** Every method name the daemon serves, as a union of string literals. */
export type MethodName = AnyMethod["name"];
export type MethodNamed<N extends MethodName> = Extract<AnyMethod, { readonly name: N }>;

/** What a caller passes (before defaults) and what it gets back (after parsing). */
export type ParamsOf<M extends MethodDef> = z.input<M["params"]>;
export type ResultOf<M extends MethodDef> = z.output<M["result"]>;
export type ParamsFor<N extends MethodName> = ParamsOf<MethodNamed<N>>;
export type ResultFor<N extends MethodName> = ResultOf<MethodNamed<N>>;
