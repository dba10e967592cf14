/*
 * Out-of-process helpers: the backend started exactly as `npm start` starts
 * it, and a private redis-server, both through the repository's one process
 * supervisor (scripts/lib/supervisor.ts), which never kills by name.
 */
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import app from '@adonisjs/core/services/app'

export type ProcRecord = { name: string; pid: number; startTime: string; cmd: string; log?: string }

type Supervisor = {
  startProcess(options: {
    name: string
    cmd: string
    args: string[]
    env?: NodeJS.ProcessEnv
    cwd?: string
    log: string
  }): ProcRecord
  stopProcess(record: ProcRecord, options?: { graceMs?: number }): Promise<void>
  isAlive(record: ProcRecord): boolean
  freePort(host?: string): Promise<number>
  waitForPort(port: number, options?: { timeoutMs?: number; proc?: ProcRecord }): Promise<void>
  waitForHttp(
    url: string,
    options?: { timeoutMs?: number; proc?: ProcRecord; accept?: (status: number) => boolean }
  ): Promise<number>
}

/** Loaded at run time: it lives outside the backend package (and its build). */
export const supervisor: Supervisor = await import(
  new URL('../../../scripts/lib/supervisor.ts', import.meta.url).href
)

export function logPath(name: string) {
  return app.makePath('tmp', 'test-logs', `${name}-${process.pid}.log`)
}

/** `npm start`'s command line (backend/package.json), with `node` being this Node. */
export function startCommand() {
  const script: string = JSON.parse(readFileSync(app.makePath('package.json'), 'utf8')).scripts
    .start
  const [cmd, ...args] = script.split(/\s+/)
  return { cmd: cmd === 'node' ? process.execPath : cmd, args }
}

/** The settings a production-like backend needs, pointed at the test database. */
export function backendEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    APP_KEY: randomBytes(32).toString('base64url'),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    DB_HOST: process.env.DB_HOST,
    DB_PORT: process.env.DB_PORT,
    DB_USER: process.env.DB_USER,
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_DATABASE: process.env.DB_DATABASE,
    REDIS_HOST: '127.0.0.1',
    REDIS_PASSWORD: '',
    // Coverage of the child process, when the tests run under c8.
    NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE,
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

export function startBackend(name: string, env: NodeJS.ProcessEnv) {
  const { cmd, args } = startCommand()
  return supervisor.startProcess({ name, cmd, args, env, cwd: app.makePath(), log: logPath(name) })
}

/** A throw-away redis-server on `port`: no persistence, loopback only. */
export async function startRedis(port: number) {
  const record = supervisor.startProcess({
    name: 'redis',
    cmd: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    log: logPath('redis'),
  })
  await supervisor.waitForPort(port, { timeoutMs: 10_000, proc: record })
  return record
}

export type ReadyState = { status: number; body: Record<string, string>; ms: number }

/** Polls GET url until `accept` holds; returns the last answer and how long it took. */
export async function pollJson(
  url: string,
  accept: (status: number) => boolean,
  timeoutMs: number
): Promise<ReadyState> {
  const started = Date.now()
  let last: ReadyState = { status: 0, body: {}, ms: 0 }
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
      last = {
        status: response.status,
        body: (await response.json()) as Record<string, string>,
        ms: Date.now() - started,
      }
      if (accept(response.status)) return last
    } catch (error) {
      last = { status: 0, body: { error: (error as Error).message }, ms: Date.now() - started }
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return last
}
