/*
 * What a machine must have that the project cannot bring itself: PostgreSQL and Redis running,
 * redis-server installed, Go new enough to build the pinned toolchain, git. Everything else
 * (Node 24, the pinned tools, shellcheck) comes from `npm install` and `npm run toolchain`.
 *
 *   goProblem(), postgresProblem(), redisProblem(), redisServerProblem(), gitProblem()
 *       -> Problem | undefined      (what is missing, and the command that fixes it)
 *   findProblems(checks) / printProblems(purpose, problems)
 *   requirePrerequisites(purpose, checks)
 *       -> prints every problem once, up front, and exits 1; returns when there is none
 */
import { spawnSync } from 'node:child_process'
import pg from 'pg'
import { redisPing } from '../../conformance/lib/data-stores.ts'
import { dataStoreSettings } from './data-store-settings.ts'
import { readPins } from './toolchain.ts'

export type Problem = { what: string; fix: string }
export type Check = () => Problem | undefined | Promise<Problem | undefined>

/** Starts PostgreSQL and Redis on a Debian machine when they are installed but stopped. */
const START_SERVICES = 'sudo bash .ci/services.sh'

function newer(have: string, want: string): boolean {
  const a = have.split('.').map(Number)
  const b = want.split('.').map(Number)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

export function goProblem(): Problem | undefined {
  const minimum = readPins().go.minimum
  const fix =
    `install Go >= ${minimum} from https://go.dev/dl/ and put its bin/ on PATH ` +
    "(Debian's golang package is older)"
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' })
  if (r.status !== 0)
    return {
      what: `Go is not installed (the pinned tools are built with it; need >= ${minimum})`,
      fix,
    }
  const version = r.stdout.trim().replace(/^go/, '')
  if (!newer(version, minimum))
    return { what: `Go ${version} is older than ${minimum}, which the pinned tools need`, fix }
  return undefined
}

export async function postgresProblem(): Promise<Problem | undefined> {
  const s = dataStoreSettings().postgres
  const client = new pg.Client({ ...s, database: 'postgres', connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (e) {
    return {
      what:
        `PostgreSQL does not answer on ${s.host}:${s.port} ` +
        `as user ${s.user} (${(e as Error).message})`,
      fix:
        `sudo apt-get install -y postgresql && ${START_SERVICES} (or ` +
        'set DB_HOST/DB_PORT/DB_USER/DB_PASSWORD to a server you have)',
    }
  } finally {
    await client.end().catch(() => {})
  }
}

export async function redisProblem(): Promise<Problem | undefined> {
  const { host, port, password } = dataStoreSettings().redis
  const fix =
    `sudo apt-get install -y redis-server && ${START_SERVICES} ` +
    '(or set REDIS_HOST/REDIS_PORT/REDIS_PASSWORD)'
  try {
    // the direct kind of access needs no cluster client
    const reply = await redisPing(undefined as never, {
      kind: 'direct',
      host,
      port,
      password,
    })
    return reply === 'PONG'
      ? undefined
      : { what: `Redis on ${host}:${port} answers PING with "${reply}"`, fix }
  } catch (e) {
    return { what: `Redis does not answer on ${host}:${port} (${(e as Error).message})`, fix }
  }
}

export function redisServerProblem(): Problem | undefined {
  if (spawnSync('redis-server', ['--version']).status === 0) return undefined
  return {
    what:
      'redis-server is not installed (the backend tests ' +
      'and the local cluster start their own instances)',
    fix: 'sudo apt-get install -y redis-server',
  }
}

export function gitProblem(): Problem | undefined {
  if (spawnSync('git', ['--version']).status === 0) return undefined
  return { what: 'git is not installed', fix: 'sudo apt-get install -y git' }
}

/** Runs every check; the problems found, none when the machine has everything. */
export async function findProblems(checks: Check[]): Promise<Problem[]> {
  const results = await Promise.all(checks.map((c) => c()))
  return results.filter((p): p is Problem => p !== undefined)
}

export function printProblems(purpose: string, problems: Problem[]): void {
  const n = problems.length
  console.error(
    `✗ ${purpose} needs ${n === 1 ? 'something' : `${n} things`} this machine ` +
      `lacks (the project cannot bring ${n === 1 ? 'it' : 'them'} itself):`
  )
  for (const p of problems) console.error(`  • ${p.what}\n      fix: ${p.fix}`)
}

/** Runs every check; when any fails, prints all of them once with their fixes and exits 1. */
export async function requirePrerequisites(purpose: string, checks: Check[]): Promise<void> {
  const problems = await findProblems(checks)
  if (!problems.length) return
  printProblems(purpose, problems)
  process.exit(1)
}
