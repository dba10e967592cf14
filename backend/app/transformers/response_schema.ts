/*
 * The JSON Schema of a transformer's output, written next to its `toObject()` and typed by it:
 * a property missing from the schema, or one `toObject()` does not return, is a type error.
 * app/openapi/document.ts takes the response components from here; a functional test validates
 * real responses against them.
 */
import type { DateTime } from 'luxon'

export type JsonSchema = Record<string, unknown>

/** An object schema whose properties are exactly the keys of `Shape`, all required. */
export function responseSchema<Shape>(properties: { [Key in keyof Shape]-?: JsonSchema }) {
  return { type: 'object', required: Object.keys(properties), properties } satisfies JsonSchema
}

export const integer = { type: 'integer' }
export const string = { type: 'string' }
export const boolean = { type: 'boolean' }
export const timestamp = { type: 'string', format: 'date-time' }
export const nullable = (schema: { type: string }) => ({ ...schema, type: [schema.type, 'null'] })
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/** The `meta` of every list (#services/pagination). */
export type PageMeta = { total: number; perPage: number; currentPage: number; lastPage: number }

export const PAGE_META_SCHEMA = responseSchema<PageMeta>({
  total: integer,
  perPage: integer,
  currentPage: integer,
  lastPage: integer,
})

/**
 * Timestamps leave the API as ISO 8601 in UTC, whatever the server's zone: a model carries a
 * luxon DateTime, a list row (read without hydrating a model) the driver's Date.
 */
export function isoUtc(value: DateTime | Date): string {
  return value instanceof Date ? value.toISOString() : value.toUTC().toISO()!
}
