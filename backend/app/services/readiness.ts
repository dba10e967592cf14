/*
 * Readiness: AdonisJS health checks for PostgreSQL (DbCheck) and Redis
 * (RedisCheck), each bounded to one second so a hung dependency answers
 * "error" quickly instead of hanging the probe. Nothing is cached, so /ready
 * recovers as soon as the dependency does.
 */
import { BaseCheck, HealthChecks, Result } from '@adonisjs/core/health'
import type { HealthCheckContract, HealthCheckResult } from '@adonisjs/core/types/health'
import { DbCheck } from '@adonisjs/lucid/database'
import { RedisCheck } from '@adonisjs/redis'
import db from '@adonisjs/lucid/services/db'
import redis from '@adonisjs/redis/services/main'

export const CHECK_TIMEOUT_MS = 1000

/** Runs a check, failing it when it takes longer than `timeoutMs`. */
export class BoundedCheck extends BaseCheck {
  name: string
  #inner: HealthCheckContract
  #timeoutMs: number

  constructor(name: string, inner: HealthCheckContract, timeoutMs = CHECK_TIMEOUT_MS) {
    super()
    this.name = name
    this.#inner = inner
    this.#timeoutMs = timeoutMs
  }

  async run(): Promise<HealthCheckResult> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<HealthCheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve(Result.failed(`${this.name} check timed out after ${this.#timeoutMs} ms`)),
        this.#timeoutMs
      )
    })
    try {
      return await Promise.race([this.#inner.run(), timeout])
    } catch (error) {
      return Result.failed((error as Error).message, error as Error)
    } finally {
      clearTimeout(timer)
    }
  }
}

export type Readiness = {
  status: 'ready' | 'not_ready'
  db: 'ok' | 'error'
  redis: 'ok' | 'error'
}

const checks = new HealthChecks().register([
  new BoundedCheck('db', new DbCheck(db.connection())),
  new BoundedCheck('redis', new RedisCheck(redis.connection())),
])

export async function readiness(): Promise<Readiness> {
  const report = await checks.run()
  const stateOf = (name: string) =>
    report.checks.find((check) => check.name === name)?.status === 'ok' ? 'ok' : 'error'
  const dbState = stateOf('db')
  const redisState = stateOf('redis')
  return {
    status: dbState === 'ok' && redisState === 'ok' ? 'ready' : 'not_ready',
    db: dbState,
    redis: redisState,
  }
}
