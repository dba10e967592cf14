/*
 * The one way scripts create and drop a PostgreSQL database: through the machine's server
 * (data-store-settings.ts: DB_HOST/DB_PORT/DB_USER/DB_PASSWORD), connected to its `postgres`
 * maintenance database.
 */
import pg from 'pg'
import { dataStoreSettings, type PostgresSettings } from './data-store-settings.ts'

/** The PostgreSQL part of dataStoreSettings(env). */
export function pgSettings(env: NodeJS.ProcessEnv = process.env): PostgresSettings {
  return dataStoreSettings(env).postgres
}

async function withMaintenanceClient<T>(
  settings: PostgresSettings,
  body: (c: InstanceType<typeof pg.Client>) => Promise<T>
): Promise<T> {
  const c = new pg.Client({ ...settings, database: 'postgres' })
  try {
    await c.connect()
    return await body(c)
  } finally {
    await c.end().catch(() => {})
  }
}

/** Creates the database unless it exists. */
export function ensureDatabase(name: string, settings = pgSettings()): Promise<void> {
  return withMaintenanceClient(settings, async (c) => {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (r.rows.length === 0) await c.query(`CREATE DATABASE "${name}"`)
  })
}

/** Drops the database (and its sessions) if it exists. */
export function dropDatabase(name: string, settings = pgSettings()): Promise<void> {
  return withMaintenanceClient(settings, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  })
}
