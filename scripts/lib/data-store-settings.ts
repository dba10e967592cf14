/*
 * The ONE place the PostgreSQL and Redis settings of this machine are read, and their defaults
 * written: the services `npm test`, the local cluster's backend and the API benchmark use.
 *
 *   dataStoreSettings(env?)            -> DataStoreSettings
 *       DB_HOST/DB_PORT/DB_USER/DB_PASSWORD and REDIS_HOST/REDIS_PORT/REDIS_PASSWORD, an unset or
 *       empty variable meaning its default: 127.0.0.1:5432 as user postgres, 127.0.0.1:6379;
 *       a port that is no number is an error naming the variable
 *   backendDataStoreEnv(settings, database) -> the DB_* and REDIS_* variables the backend reads
 *
 * The local cluster records the settings it started its backend with in its state file
 * (scripts/lib/local-state.ts), and the conformance suite reads them from there.
 */

export type PostgresSettings = { host: string; port: number; user: string; password?: string }
type RedisSettings = { host: string; port: number; password?: string }
export type DataStoreSettings = { postgres: PostgresSettings; redis: RedisSettings }

const dataStoreDefaults = {
  postgres: { host: '127.0.0.1', port: 5432, user: 'postgres' },
  redis: { host: '127.0.0.1', port: 6379 },
} as const

/** Throws, naming the variable, when it is set to something that is no port number. */
function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name]
  if (!value) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new Error(`${name}=${value} is not a port number (1-65535)`)
  return n
}

export function dataStoreSettings(env: NodeJS.ProcessEnv = process.env): DataStoreSettings {
  const d = dataStoreDefaults
  return {
    postgres: {
      host: env.DB_HOST || d.postgres.host,
      port: port(env, 'DB_PORT', d.postgres.port),
      user: env.DB_USER || d.postgres.user,
      password: env.DB_PASSWORD || undefined,
    },
    redis: {
      host: env.REDIS_HOST || d.redis.host,
      port: port(env, 'REDIS_PORT', d.redis.port),
      password: env.REDIS_PASSWORD || undefined,
    },
  }
}

/** The DB_* and REDIS_* variables of the backend (config/database.ts, config/redis.ts). */
export function backendDataStoreEnv(
  s: DataStoreSettings,
  database: string
): Record<string, string> {
  return {
    DB_HOST: s.postgres.host,
    DB_PORT: String(s.postgres.port),
    DB_USER: s.postgres.user,
    DB_PASSWORD: s.postgres.password ?? '',
    DB_DATABASE: database,
    REDIS_HOST: s.redis.host,
    REDIS_PORT: String(s.redis.port),
    REDIS_PASSWORD: s.redis.password ?? '',
  }
}
