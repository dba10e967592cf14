/*
 * Files of a pinned Go module (scripts/lib/go-module.ts), the one "strict" schema transform both
 * validators use (the API server silently drops unknown fields, these validators report them)
 * and the one way they word a failure.
 */
import type { ValidateFunction } from 'ajv'

export { pinnedModuleDir } from '../../../scripts/lib/go-module.ts'

/** A failed validation in one line, the same for both validators: unknown fields by name. */
export function schemaErrors(validate: ValidateFunction): string {
  const errors = (validate.errors ?? []).map((e) =>
    e.keyword === 'additionalProperties'
      ? `${e.instancePath || '/'} has unknown field ` +
        `"${(e.params as { additionalProperty: string }).additionalProperty}"`
      : `${e.instancePath} ${e.message}`
  )
  return [...new Set(errors)].join('; ')
}

/**
 * Every object schema that lists its properties and does not
 * preserve unknown fields gets additionalProperties: false.
 */
export function strictSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strictSchema)
  if (!schema || typeof schema !== 'object') return schema
  const out: any = {}
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strictSchema(s)]))
        : strictSchema(v)
  }
  if (
    out.properties &&
    !out['x-kubernetes-preserve-unknown-fields'] &&
    out.additionalProperties === undefined
  )
    out.additionalProperties = false
  return out
}
