/*
 * The hot statements (the guard's user lookup, list pages, creating a project): built with the
 * query builder like every other query, but compiled to SQL once, then run with each request's
 * values on a connection of the same pool, without knex's runner, Lucid's query reporter or
 * models. Building, compiling and running a query through knex and a model per request cost
 * about as much CPU again as the database round trip itself (docs/backend.md, benchmark).
 */
import type { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { LucidModel } from '@adonisjs/lucid/types/model'

/**
 * A model's columns under their attribute names: what a transformer reads, from a model or from
 * a row (whose timestamps are the driver's Dates, not luxon DateTimes).
 */
export type Attributes<Model extends { $columns: readonly string[] }> = {
  [Key in Model['$columns'][number] & keyof Model]: Model[Key] extends DateTime
    ? DateTime | Date
    : Model[Key]
}

/** What a statement is built from: anything knex compiles (a Lucid query builder, `db.from()`). */
export type Compilable = {
  toSQL(): { method: string; toNative(): { sql: string; bindings: readonly unknown[] } }
}

type PgConnection = { query(sql: string, values: unknown[]): Promise<{ rows: unknown[] }> }

/**
 * Stand-ins for the parameters while the statement is built: integers no query of this API
 * uses as a constant, so each binding that carries one is known to be that parameter.
 */
const PLACEHOLDER = 1_999_999_000

const WRITES = new Set(['insert', 'update', 'del', 'delete'])

type Binding = { parameter: number } | { constant: unknown }

function compile(build: (...parameters: number[]) => Compilable) {
  const placeholders = Array.from({ length: build.length }, (_, index) => PLACEHOLDER + index)
  const compiled = build(...placeholders).toSQL()
  const { sql, bindings } = compiled.toNative()
  const order: Binding[] = bindings.map((value) => {
    const parameter = placeholders.indexOf(value as number)
    return parameter === -1 ? { constant: value } : { parameter }
  })
  placeholders.forEach((_, index) => {
    if (!order.some((binding) => 'parameter' in binding && binding.parameter === index)) {
      // e.g. forPage(page, perPage): the builder computes the offset,
      // so no binding is the parameter
      throw new Error(`statement: parameter ${index + 1} reaches the SQL only computed: ${sql}`)
    }
  })
  return { sql, order, writes: WRITES.has(compiled.method) }
}

/**
 * A statement built once by `build` (on first use), run with new values each time; it answers
 * its rows (a write's `returning`). `build` is called with stand-ins, so it may only place its
 * parameters in the query (`where`, `limit`, `offset`, inserted values), never compute with
 * them: each must reach the SQL as a binding of its own.
 */
export function statement<Row, Parameters extends unknown[]>(
  build: (...parameters: Parameters) => Compilable
): (...values: Parameters) => Promise<Row[]> {
  let compiled: ReturnType<typeof compile> | undefined
  return async (...values) => {
    compiled ??= compile(build as unknown as (...parameters: number[]) => Compilable)
    const bindings = compiled.order.map((binding) =>
      'parameter' in binding ? values[binding.parameter] : binding.constant
    )
    const connection = db.connection()
    const { client } = compiled.writes ? connection.getWriteClient() : connection.getReadClient()
    const pg: PgConnection = await client.acquireConnection()
    try {
      const result = await pg.query(compiled.sql, bindings)
      return result.rows as Row[]
    } finally {
      client.releaseConnection(pg)
    }
  }
}

/** `table.column as attribute` for every column of the model, so a row reads like the model. */
export function attributeColumns(model: LucidModel): string[] {
  return [...model.$columnsDefinitions].map(
    ([attribute, { columnName }]) => `${model.table}.${columnName} as ${attribute}`
  )
}
