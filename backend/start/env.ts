/*
 * Every runtime setting, validated at boot: a missing or malformed one stops
 * the process with a message naming it.
 */
import { Env } from '@adonisjs/core/env'
import { Secret } from '@adonisjs/core/helpers'

/**
 * A secret of at least `min` characters. The error names the variable, so a
 * short or missing JWT_SECRET stops the boot with an actionable message.
 */
function longSecret(min: number) {
  return (key: string, value?: string): Secret<string> => {
    if (!value) {
      throw new Error(
        `Missing environment variable "${key}" (a secret of at least ${min} characters)`
      )
    }
    if (value.length < min) {
      throw new Error(
        `Invalid environment variable "${key}": it must be at least ${min} characters long (it has ${value.length})`
      )
    }
    return new Secret(value)
  }
}

export default await Env.create(new URL('../', import.meta.url), {
  NODE_ENV: Env.schema.enum(['development', 'production', 'test'] as const),
  PORT: Env.schema.number(),
  HOST: Env.schema.string({ format: 'host' }),
  LOG_LEVEL: Env.schema.enum([
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
    'trace',
    'silent',
  ] as const),
  APP_KEY: longSecret(32),
  JWT_SECRET: longSecret(32),

  DB_HOST: Env.schema.string({ format: 'host' }),
  DB_PORT: Env.schema.number(),
  DB_USER: Env.schema.string(),
  DB_PASSWORD: Env.schema.string.optional(),
  DB_DATABASE: Env.schema.string(),

  REDIS_HOST: Env.schema.string({ format: 'host' }),
  REDIS_PORT: Env.schema.number(),
  REDIS_PASSWORD: Env.schema.string.optional(),
})
