import db from '@adonisjs/lucid/services/db'

const DUPLICATE_DATABASE = '42P04'

/**
 * Creates the default connection's database when it does not exist yet,
 * through a short-lived connection to the server's "postgres" database
 * (safe when two runs race).
 */
export async function ensureTestDatabase() {
  const config = db.manager.get(db.primaryConnectionName)!.config
  const connection = config.connection as { database: string }
  const name = connection.database

  db.manager.add('bootstrap', {
    ...config,
    connection: { ...connection, database: 'postgres' },
  } as any)
  const client = db.connection('bootstrap')
  try {
    const { rowCount } = await client.rawQuery('SELECT 1 FROM pg_database WHERE datname = ?', [
      name,
    ])
    if (!rowCount) {
      await client.rawQuery('CREATE DATABASE ??', [name])
    }
  } catch (error) {
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error
  } finally {
    await db.manager.close('bootstrap', true)
  }
}
