/*
 * npm run bench:api — a benchmark that prints numbers, not a test.
 *
 *  1. GET /v1/hello on the backend (started as `npm start` starts it, NODE_ENV=production)
 *     against the same response from a bare node:http server, measured in this run:
 *     RPS, p99 and the ratio (target: backend >= 60% of bare).
 *  2. GET /v1/organizations/:id/projects with 100 projects, 50 connections: p99 (target <= 20 ms).
 *
 * Everything runs on 127.0.0.1 against the machine's PostgreSQL and Redis, in its own
 * database (BENCH_DB_DATABASE, default agent_ready_bench), which it creates and migrates.
 * Knobs: BENCH_DURATION (seconds per measurement, default 10; the hello
 * comparison alternates 3 rounds of half of it), BENCH_CONNECTIONS (default 50).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { cpus, loadavg } from 'node:os'
import autocannon from 'autocannon'
import pg from 'pg'
import {
  freePort,
  startProcess,
  stopProcess,
  waitForHttp,
  type ProcRecord,
} from '../../scripts/lib/supervisor.ts'
import { ensureDatabase, pgSettings } from '../../scripts/lib/postgres.ts'

const backendDir = fileURLToPath(new URL('../', import.meta.url))
const logDir = `${backendDir}tmp/bench`
const duration = Number(process.env.BENCH_DURATION ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const database = process.env.BENCH_DB_DATABASE ?? 'agent_ready_bench'
const HELLO_ROUNDS = 3

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  APP_KEY: randomBytes(32).toString('base64url'),
  JWT_SECRET: randomBytes(32).toString('base64url'),
  DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
  DB_PORT: process.env.DB_PORT ?? '5432',
  DB_USER: process.env.DB_USER ?? 'postgres',
  DB_PASSWORD: process.env.DB_PASSWORD ?? '',
  DB_DATABASE: database,
  REDIS_HOST: process.env.REDIS_HOST ?? '127.0.0.1',
  REDIS_PORT: process.env.REDIS_PORT ?? '6379',
  REDIS_PASSWORD: process.env.REDIS_PASSWORD ?? '',
  ENV_PATH: 'bench/', // no .env there: only the settings above count
}

/**
 * The database floor: the list's two statements (user by id, then the page with
 * its total) straight through a 10-connection pg pool at the same concurrency,
 * so the API's p99 can be read against what PostgreSQL alone gives on this machine.
 */
async function measureDatabaseFloor(userId: number, organizationId: number, seconds: number) {
  const pool = new pg.Pool({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    database,
    max: 10,
  })
  const latencies: number[] = []
  const end = Date.now() + seconds * 1000
  const worker = async () => {
    while (Date.now() < end) {
      const started = performance.now()
      await pool.query('SELECT * FROM users WHERE id = $1 LIMIT 1', [userId])
      await pool.query(
        'SELECT projects.*, count(*) OVER () AS page_total FROM projects ' +
          'WHERE organization_id = $1 ORDER BY id LIMIT 20 OFFSET 0',
        [organizationId]
      )
      latencies.push(performance.now() - started)
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  await pool.end()
  latencies.sort((a, b) => a - b)
  const p99 = Math.round(latencies[Math.floor(latencies.length * 0.99)])
  const rps = Math.round(latencies.length / seconds)
  console.log(
    `  ${'PostgreSQL alone (same 2 queries)'.padEnd(34)} ${String(rps).padStart(7)} ` +
      `req/s   p99 ${p99} ms`
  )
  return { rps, p99 }
}

type Measurement = { rps: number; p99: number; p50: number; non2xx: number; errors: number }

async function measure(
  title: string,
  url: string,
  headers: Record<string, string> = {},
  seconds = duration
): Promise<Measurement> {
  const result = await autocannon({ url, connections, duration: seconds, headers })
  const measurement = {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    p50: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors,
  }
  if (title) {
    console.log(
      `  ${title.padEnd(34)} ${String(measurement.rps).padStart(7)} ` +
        `req/s   p50 ${measurement.p50} ms   p99 ${measurement.p99} ms` +
        (measurement.non2xx || measurement.errors
          ? `   (non-2xx ${measurement.non2xx}, errors ${measurement.errors})`
          : '')
    )
  }
  return measurement
}

async function api(base: string, method: string, path: string, body?: object, token?: string) {
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

async function main() {
  const started: ProcRecord[] = []
  try {
    console.log(
      `bench:api — ${connections} connections, ${duration} s per measurement, database ${database}`
    )
    await ensureDatabase(database, pgSettings(env))
    execFileSync(process.execPath, ['ace.js', 'migration:run', '--force', '--no-schema-generate'], {
      cwd: backendDir,
      env: { ...env, PORT: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })

    const barePort = await freePort()
    const bare = startProcess({
      name: 'bench-bare-http',
      cmd: process.execPath,
      args: ['bench/bare_server.ts', String(barePort)],
      cwd: backendDir,
      log: `${logDir}/bare.log`,
    })
    started.push(bare)

    const port = await freePort()
    const startScript: string = JSON.parse(
      execFileSync(
        process.execPath,
        ['-p', 'JSON.stringify(require("./package.json").scripts.start)'],
        {
          cwd: backendDir,
          encoding: 'utf8',
        }
      )
    )
    const [cmd, ...args] = startScript.split(/\s+/)
    const backend = startProcess({
      name: 'bench-backend',
      cmd: cmd === 'node' ? process.execPath : cmd,
      args,
      cwd: backendDir,
      env: { ...env, PORT: String(port) },
      log: `${logDir}/backend.log`,
    })
    started.push(backend)

    const bareUrl = `http://127.0.0.1:${barePort}/v1/hello`
    const base = `http://127.0.0.1:${port}`
    await waitForHttp(bareUrl, { timeoutMs: 30_000, proc: bare })
    await waitForHttp(`${base}/ready`, { timeoutMs: 60_000, proc: backend })

    // Other load on a shared machine drifts over seconds: alternate short rounds
    // of bare and backend and compare the medians, not one long run of each.
    const rounds = HELLO_ROUNDS
    const roundSeconds = Math.max(2, Math.round(duration / 2))
    console.log(
      `\nGET /v1/hello (warm-up 3 s each, then ${rounds} alternating rounds of ${roundSeconds} s)`
    )
    await measure('', bareUrl, {}, 3)
    await measure('', `${base}/v1/hello`, {}, 3)
    const bareRounds: Measurement[] = []
    const helloRounds: Measurement[] = []
    for (let round = 1; round <= rounds; round++) {
      bareRounds.push(await measure(`round ${round} bare node:http`, bareUrl, {}, roundSeconds))
      helloRounds.push(
        await measure(`round ${round} backend /v1/hello`, `${base}/v1/hello`, {}, roundSeconds)
      )
    }
    const bareResult = {
      rps: median(bareRounds.map((m) => m.rps)),
      p99: median(bareRounds.map((m) => m.p99)),
    }
    const hello = {
      rps: median(helloRounds.map((m) => m.rps)),
      p99: median(helloRounds.map((m) => m.p99)),
    }
    const ratio = hello.rps / bareResult.rps
    console.log(
      `  median: bare ${bareResult.rps} req/s (p99 ${bareResult.p99} ` +
        `ms), backend ${hello.rps} req/s (p99 ${hello.p99} ms)`
    )
    console.log(
      `  ratio backend/bare: ${(ratio * 100).toFixed(1)}% of bare ` +
        `node:http RPS (target >= 60%) ${ratio >= 0.6 ? 'MET' : 'MISSED'}`
    )

    const { token, user } = await api(base, 'POST', '/v1/auth/guest-signin', {
      username: `bench_${Date.now().toString(36)}`,
    })
    const organization = await api(base, 'POST', '/v1/organizations', { name: 'bench' }, token)
    for (let i = 0; i < 100; i++) {
      await api(
        base,
        'POST',
        `/v1/organizations/${organization.id}/projects`,
        { name: `project-${i}`, description: 'benchmark project' },
        token
      )
    }
    const listUrl = `${base}/v1/organizations/${organization.id}/projects`
    const listed = await api(
      base,
      'GET',
      `/v1/organizations/${organization.id}/projects`,
      undefined,
      token
    )
    console.log(
      `\nGET /v1/organizations/:id/projects (${listed.meta.total} ` +
        `projects, page of ${listed.meta.perPage})`
    )
    const auth = { authorization: `Bearer ${token}` }
    await measure('', listUrl, auth, 3)
    const list = await measure('backend list projects', listUrl, auth)
    const floor = await measureDatabaseFloor(user.id, organization.id, duration)
    console.log(`  p99 ${list.p99} ms (target <= 20 ms) ${list.p99 <= 20 ? 'MET' : 'MISSED'}`)

    console.log('\nsummary')
    console.log(
      `  hello: backend ${hello.rps} req/s (p99 ${hello.p99} ms), bare ${bareResult.rps} ` +
        `req/s (p99 ${bareResult.p99} ms), ratio ${(ratio * 100).toFixed(1)}%`
    )
    console.log(
      `  list:  ${list.rps} req/s, p99 ${list.p99} ms; ` +
        `PostgreSQL alone ${floor.rps} req/s, p99 ${floor.p99} ms`
    )
    console.log(
      `  load average during the run: ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')} on ${cpus().length} cores`
    )
  } finally {
    for (const record of started.reverse()) {
      await stopProcess(record)
    }
  }
}

await main()
