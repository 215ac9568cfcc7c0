import type { z } from "zod";

/**
 * One RPC method: its name, what it does, and the schemas of its params and result.
 * The daemon validates params against `params` at its edge; docs/protocol.md is
 * generated from these definitions.
 */
export interface MethodDef<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly summary: string;
  readonly params: P;
  readonly result: R;
  /** Mutating methods are logged with the caller (audit) and refused while shutting down. */
  readonly mutating: boolean;
}

/** The name is kept as its literal type, so clients can type a call from the name alone (client/methods.ts). */
export function defineMethod<const N extends string, P extends z.ZodType, R extends z.ZodType>(
  def: MethodDef<P, R> & { readonly name: N },
): MethodDef<P, R> & { readonly name: N } {
  return def;
}

export type ParamsOf<M extends MethodDef> = z.input<M["params"]>;
export type ResultOf<M extends MethodDef> = z.output<M["result"]>;
