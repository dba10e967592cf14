/*
 * What `npm run bench:api` and `bench/profile.ts` measure: the backend, built and started as the
 * image builds and starts it (NODE_ENV=production), and the framework-free reference server
 * (reference_server.ts), both on free loopback ports, on the same fresh database (dropped,
 * created and migrated per run: BENCH_DB_DATABASE, default agent_ready_bench), the same JWT
 * secret and the same pool size.
 * Seeded through the backend's API: one organization with 100 projects (the lists) and a second
 * organization for the writes, each with its own guest user and token.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { constants } from 'node:os'
import { readFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import {
  freePort,
  startProcess,
  stopProcess,
  waitForHttp,
  type ProcRecord,
} from '../../scripts/lib/supervisor.ts'
import { backendDataStoreEnv, dataStoreSettings } from '../../scripts/lib/data-store-settings.ts'
import { dropDatabase, ensureDatabase, pgSettings } from '../../scripts/lib/postgres.ts'
import { parseDockerfile } from '../../scripts/lib/dockerfile.ts'
import {
  chartPodRuntime,
  createMemoryCgroup,
  quantityBytes,
  type MemoryCgroup,
} from './pod_runtime.ts'

export const backendDir = fileURLToPath(new URL('../', import.meta.url))
export const logDir = `${backendDir}tmp/bench`
/** Where `node ace build` writes the production build (the image's /app/backend). */
const builtDir = join(backendDir, 'build')
export const database = process.env.BENCH_DB_DATABASE ?? 'agent_ready_bench'
/** The backend's pool (config/database.ts, pool.max); the bench checks both sides open as many. */
export const POOL_SIZE = 10
export const PROJECTS = 100

/** The application_name each side's connections carry, so PostgreSQL can count them apart. */
export const APP_NAMES = { backend: 'bench-backend', reference: 'bench-reference' } as const

export type Side = keyof typeof APP_NAMES

/**
 * The memory limit both sides run under: the backend pod's (the chart's
 * resources.limits.memory) unless BENCH_MEMORY_LIMIT names another quantity, or `none`.
 */
export type MemoryLimit =
  | { quantity: string; source: string; cgroups: Record<Side, MemoryCgroup> }
  | { quantity: 'none'; source: string }

export type Stack = {
  env: NodeJS.ProcessEnv
  memoryLimit: MemoryLimit
  /** NODE_OPTIONS both sides run with: the chart's config.nodeOptions */
  nodeOptions: string
  /** the Node flags of the image's CMD (the Dockerfile's runtime stage), on both sides */
  imageFlags: string[]
  urls: Record<Side, string>
  procs: Record<Side, ProcRecord>
  /** the user whose organization holds the 100 listed projects */
  reader: { token: string; organizationId: number }
  /** the user whose organization takes the benchmark's writes */
  writer: { token: string; organizationId: number }
  /** a client of the bench's own (not counted as either side's pool) */
  db: pg.Client
  stop(): Promise<void>
}

/** A request the benchmarks load a side with: the same for bench:api and bench/profile.ts. */
export type Route = {
  method: 'GET' | 'POST'
  path: (stack: Stack) => string
  token?: (stack: Stack) => string
  body?: string
}

const listRoute = (perPage: number): Route => ({
  method: 'GET',
  path: (stack) => `/v1/organizations/${stack.reader.organizationId}/projects?perPage=${perPage}`,
  token: (stack) => stack.reader.token,
})

export const routes = {
  hello: { method: 'GET', path: () => '/v1/hello' },
  list: listRoute(20),
  list100: listRoute(100),
  create: {
    method: 'POST',
    path: (stack) => `/v1/organizations/${stack.writer.organizationId}/projects`,
    token: (stack) => stack.writer.token,
    // [<id>]: a fresh id per request (autocannon), so every name is new (no 409)
    body: JSON.stringify({ name: 'bench-[<id>]', description: 'benchmark project' }),
  },
} satisfies Record<string, Route>

/** `connections` concurrent clients send `route` to one side for `seconds` (autocannon). */
export function loadRoute(
  stack: Stack,
  side: Side,
  route: Route,
  opts: { connections: number; seconds: number }
) {
  const token = route.token?.(stack)
  return autocannon({
    url: `${stack.urls[side]}${route.path(stack)}`,
    method: route.method,
    connections: opts.connections,
    duration: opts.seconds,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(route.body ? { 'content-type': 'application/json' } : {}),
    },
    body: route.body,
    idReplacement: route.body !== undefined,
  })
}

export function benchEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    NODE_OPTIONS: chartPodRuntime().nodeOptions,
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    APP_KEY: randomBytes(32).toString('base64url'),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ...backendDataStoreEnv(dataStoreSettings(), database),
    ENV_PATH: 'bench/', // no .env there: only the settings above count
  }
}

/**
 * The backend as the image runs it: `node ace build`'s output (backend/build) started with the
 * Dockerfile's CMD (its runtime stage), extra Node flags after `node`. The source form (`npm
 * start`, compiled in memory by ts-exec) would add its compiler's memory and warm-up to the
 * figures of something no deployment runs.
 */
function buildBackend(nodeFlags: string[]) {
  const started = Date.now()
  process.stdout.write('bench: building the backend as the image does (node ace build) … ')
  execFileSync(process.execPath, ['ace.js', 'build'], {
    cwd: backendDir,
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  console.log(`${((Date.now() - started) / 1000).toFixed(0)} s`)
  const dockerfile = parseDockerfile(readFileSync(join(backendDir, '..', 'Dockerfile'), 'utf8'))
  const [cmd, ...args] = dockerfile.stages.find((stage) => stage.name === 'runtime')?.cmd ?? []
  if (cmd !== 'node')
    throw new Error(`the Dockerfile's runtime CMD no longer starts with node: ${cmd}`)
  // the image's own Node flags (before the script): the reference runs with them too
  const imageFlags = args.slice(
    0,
    args.findIndex((arg) => !arg.startsWith('-'))
  )
  return {
    cmd: process.execPath,
    args: [...nodeFlags, ...args],
    cwd: builtDir,
    imageFlags,
  }
}

export async function api(
  base: string,
  method: string,
  path: string,
  body?: object,
  token?: string
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = await response.json()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
  return json
}

async function guestWithOrganization(base: string, name: string) {
  const { token } = await api(base, 'POST', '/v1/auth/guest-signin', {
    username: `${name}_${Date.now().toString(36)}`,
  })
  const organization = await api(base, 'POST', '/v1/organizations', { name }, token)
  return { token: token as string, organizationId: organization.id as number }
}

type WantedLimit = { quantity: string; bytes: number; source: string } | undefined

/** Signals that end the bench: each stops the servers first (a terminal closing sends SIGHUP). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** The limit asked for (BENCH_MEMORY_LIMIT, else the chart's), read before anything starts. */
function wantedMemoryLimit(): WantedLimit {
  const wanted = process.env.BENCH_MEMORY_LIMIT
  if (wanted === 'none') return undefined
  if (wanted === undefined) {
    const { memoryLimit: quantity } = chartPodRuntime()
    return {
      quantity,
      bytes: quantityBytes(quantity),
      source: "the backend pod's, helm/backend/values.yaml",
    }
  }
  try {
    return { quantity: wanted, bytes: quantityBytes(wanted), source: 'BENCH_MEMORY_LIMIT' }
  } catch {
    throw new Error(`BENCH_MEMORY_LIMIT=${wanted}: give a quantity such as 256Mi or 1Gi, or none`)
  }
}

async function memoryLimit(limit: WantedLimit): Promise<MemoryLimit> {
  if (!limit) return { quantity: 'none', source: 'BENCH_MEMORY_LIMIT=none' }
  const cgroups: Partial<Record<Side, MemoryCgroup>> = {}
  for (const side of Object.keys(APP_NAMES) as Side[]) {
    const cgroup = await createMemoryCgroup(`agent-ready-bench-${side}`, limit.bytes)
    if ('reason' in cgroup) {
      for (const made of Object.values(cgroups)) await made.remove()
      return {
        quantity: 'none',
        source: `could not apply ${limit.quantity} (${limit.source}): ${cgroup.reason}`,
      }
    }
    cgroups[side] = cgroup
  }
  return {
    quantity: limit.quantity,
    source: limit.source,
    cgroups: cgroups as Record<Side, MemoryCgroup>,
  }
}

/** cmd and args that start a side under the memory limit (unchanged where there is none). */
function limited(limit: MemoryLimit, side: Side, command: { cmd: string; args: string[] }) {
  return 'cgroups' in limit ? limit.cgroups[side].wrap(command.cmd, command.args) : command
}

export async function startStack(
  options: {
    nodeFlags?: Partial<Record<Side, string[]>>
    extraEnv?: Partial<Record<Side, NodeJS.ProcessEnv>>
  } = {}
): Promise<Stack> {
  const wantedLimit = wantedMemoryLimit()
  const env = benchEnv()
  await dropDatabase(database, pgSettings(env))
  await ensureDatabase(database, pgSettings(env))
  execFileSync(process.execPath, ['ace.js', 'migration:run', '--force', '--no-schema-generate'], {
    cwd: backendDir,
    env: { ...env, PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })

  const limit = await memoryLimit(wantedLimit)
  const started: ProcRecord[] = []
  const stop = async () => {
    for (const signal of STOP_SIGNALS) process.off(signal, interrupted)
    for (const record of started.reverse()) await stopProcess(record, { graceMs: 10_000 })
    if ('cgroups' in limit) {
      for (const cgroup of Object.values(limit.cgroups)) await cgroup.remove()
    }
  }
  // Ctrl+C or a kill mid-run: the servers run detached (their own process groups), so they are
  // stopped and the cgroups removed before the bench exits, instead of both left running
  function interrupted(signal: NodeJS.Signals) {
    console.error(`\nbench: ${signal}: stopping the backend and the reference …`)
    void stop().finally(() => process.exit(128 + constants.signals[signal]))
  }
  for (const signal of STOP_SIGNALS) process.once(signal, interrupted)
  try {
    const ports = { backend: await freePort(), reference: await freePort() }
    const built = buildBackend(options.nodeFlags?.backend ?? [])
    const backend = startProcess({
      name: 'bench-backend',
      ...limited(limit, 'backend', built),
      cwd: built.cwd,
      env: {
        ...env,
        ...options.extraEnv?.backend,
        PORT: String(ports.backend),
        PGAPPNAME: APP_NAMES.backend,
      },
      log: `${logDir}/backend.log`,
    })
    started.push(backend)
    const reference = startProcess({
      name: 'bench-reference',
      ...limited(limit, 'reference', {
        cmd: process.execPath,
        args: [
          ...built.imageFlags,
          ...(options.nodeFlags?.reference ?? []),
          'bench/reference_server.ts',
          String(ports.reference),
        ],
      }),
      cwd: backendDir,
      env: {
        ...env,
        ...options.extraEnv?.reference,
        DB_POOL_MAX: String(POOL_SIZE),
        PGAPPNAME: APP_NAMES.reference,
      },
      log: `${logDir}/reference.log`,
    })
    started.push(reference)
    const urls = {
      backend: `http://127.0.0.1:${ports.backend}`,
      reference: `http://127.0.0.1:${ports.reference}`,
    }
    await waitForHttp(`${urls.reference}/v1/hello`, { timeoutMs: 30_000, proc: reference })
    await waitForHttp(`${urls.backend}/ready`, { timeoutMs: 60_000, proc: backend })

    const reader = await guestWithOrganization(urls.backend, 'bench')
    for (let i = 0; i < PROJECTS; i++) {
      await api(
        urls.backend,
        'POST',
        `/v1/organizations/${reader.organizationId}/projects`,
        { name: `project-${i}`, description: 'benchmark project' },
        reader.token
      )
    }
    const writer = await guestWithOrganization(urls.backend, 'bench_writes')

    const db = new pg.Client({ ...pgSettings(env), database, application_name: 'bench-driver' })
    await db.connect()
    return {
      env,
      memoryLimit: limit,
      nodeOptions: env.NODE_OPTIONS ?? '',
      imageFlags: built.imageFlags,
      urls,
      procs: { backend, reference },
      reader,
      writer,
      db,
      async stop() {
        await db.end().catch(() => {})
        await stop()
      },
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Connections each side holds open to the bench database right now. */
export async function poolConnections(db: pg.Client): Promise<Record<Side, number>> {
  const { rows } = await db.query<{ application_name: string; n: number }>(
    'SELECT application_name, count(*)::int AS n FROM pg_stat_activity ' +
      'WHERE datname = $1 GROUP BY 1',
    [database]
  )
  const count = (name: string) => rows.find((row) => row.application_name === name)?.n ?? 0
  return { backend: count(APP_NAMES.backend), reference: count(APP_NAMES.reference) }
}

/** Resident set size of a process, in MB (from /proc). */
export function rssMb(proc: ProcRecord): number {
  const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1])
  return Math.round(kb / 1024)
}

/** CPU time (user + system) a process has used so far, in ms (from /proc, 100 ticks a second). */
export function cpuMs(proc: ProcRecord): number {
  const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10 // utime, stime (fields 14, 15)
}
