/*
 * Every runtime setting, validated at boot: a missing or malformed one stops
 * the process with a message naming it.
 */
import { Env } from '@adonisjs/core/env'
import { Secret } from '@adonisjs/core/helpers'
import { GENERATE_HINT, productionSecretProblems, secretProblem } from '#services/secret_policy'
import { parseTrustedProxies } from '#services/trusted_proxies'

/** The Redis database index (0–15), default 0: the chart gives the backend its own. */
function redisDatabase(key: string, value?: string): number {
  if (value === undefined || value === '') return 0
  if (!/^\d+$/.test(value) || Number(value) > 15) {
    throw new Error(
      `Invalid environment variable "${key}": a Redis database index 0–15 (got "${value}")`
    )
  }
  return Number(value)
}

/**
 * A secret of at least `min` characters. The error names the variable, so a
 * short or missing JWT_SECRET stops the boot with an actionable message.
 */
function longSecret(min: number) {
  return (key: string, value?: string): Secret<string> => {
    if (!value) {
      throw new Error(
        `Missing environment variable "${key}" (a secret ` +
          `of at least ${min} characters; ${GENERATE_HINT})`
      )
    }
    if (value.length < min) {
      throw new Error(
        `Invalid environment variable "${key}": it must be at ` +
          `least ${min} characters long (it has ${value.length})`
      )
    }
    return new Secret(value)
  }
}

const env = await Env.create(new URL('../', import.meta.url), {
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
  REDIS_DB: redisDatabase,

  TRUSTED_PROXIES: parseTrustedProxies,
})

/*
 * Production refuses secrets anyone could know: a value committed in the
 * repository, a low-variety one, APP_KEY equal to JWT_SECRET. Passwords are
 * optional (trust authentication), but when set they follow the same rules.
 */
if (env.get('NODE_ENV') === 'production') {
  const problems = productionSecretProblems({
    APP_KEY: env.get('APP_KEY').release(),
    JWT_SECRET: env.get('JWT_SECRET').release(),
  })
  for (const name of ['DB_PASSWORD', 'REDIS_PASSWORD'] as const) {
    const value = env.get(name)
    const problem = value ? secretProblem(name, value) : undefined
    if (problem) problems.push(problem)
  }
  if (problems.length > 0) {
    throw new Error(problems.join('\n'))
  }
}

export default env
