/*
 * How the API answers with a resource: its transformer's `toObject()`, called directly, for a
 * single resource as for each list item. The framework's `Transformer.transform()` and
 * serializer would capture a stack trace per call (for their error messages) and resolve
 * `toObject()` through the container: about 20 µs per resource instead of 4 (docs/backend.md,
 * benchmark). So transformers return JSON values only — a nested resource is presented by its
 * own transformer (see TokenTransformer) — which the type enforces.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

export function present<Resource, Output extends Json>(
  Transformer: new (resource: Resource) => { toObject(): Output },
  resource: Resource
): Output {
  return new Transformer(resource).toObject()
}
