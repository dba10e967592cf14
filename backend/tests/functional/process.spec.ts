/*
 * The backend as a separate process, started the way `npm start` starts it:
 * readiness follows PostgreSQL and Redis without a restart, and the boot
 * refuses bad settings. Redis outages use a private redis-server, never the
 * machine's shared one.
 */
import { test } from '@japa/runner'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import {
  type ProcRecord,
  backendEnv,
  pollJson,
  startBackend,
  startRedis,
  supervisor,
} from '#tests/lib/processes'

const BOOT_TIMEOUT_MS = 60_000

test.group('backend process · readiness', (group) => {
  const started: ProcRecord[] = []
  group.each.teardown(async () => {
    for (const record of started.splice(0).reverse()) {
      await supervisor.stopProcess(record)
    }
  })

  test('stopping Redis turns /ready into 503 within 2 s; restarting it recovers without a restart', async ({
    assert,
  }) => {
    const redisPort = await supervisor.freePort()
    const port = await supervisor.freePort()
    let redis = await startRedis(redisPort)
    started.push(redis)
    const backend = startBackend(
      'backend-redis-outage',
      backendEnv({ PORT: String(port), REDIS_PORT: String(redisPort) })
    )
    started.push(backend)
    const base = `http://127.0.0.1:${port}`
    await supervisor.waitForHttp(`${base}/health`, { timeoutMs: BOOT_TIMEOUT_MS, proc: backend })

    const ready = await pollJson(`${base}/ready`, (status) => status === 200, 10_000)
    assert.deepEqual(ready.body, { status: 'ready', db: 'ok', redis: 'ok' })

    await supervisor.stopProcess(redis)
    const down = await pollJson(`${base}/ready`, (status) => status === 503, 2000)
    assert.equal(down.status, 503, `still ${down.status} 2 s after Redis stopped`)
    assert.deepEqual(down.body, { status: 'not_ready', db: 'ok', redis: 'error' })
    assert.isAtMost(down.ms, 2000)

    // Liveness does not depend on Redis; a Redis-backed route fails cleanly (no 500).
    assert.equal((await fetch(`${base}/health`)).status, 200)
    const signin = await fetch(`${base}/v1/auth/guest-signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `outage_${process.pid}` }),
    })
    assert.equal(signin.status, 503)
    assert.property(await signin.json(), 'errors')

    redis = await startRedis(redisPort)
    started.push(redis)
    const back = await pollJson(`${base}/ready`, (status) => status === 200, 10_000)
    assert.equal(back.status, 200, `not ready again: ${JSON.stringify(back.body)}`)
    assert.deepEqual(back.body, { status: 'ready', db: 'ok', redis: 'ok' })
    assert.isTrue(supervisor.isAlive(backend), 'the backend was not restarted')
  }).timeout(BOOT_TIMEOUT_MS + 30_000)

  test('PostgreSQL unreachable: /ready is 503 naming db, answered within 2 s', async ({
    assert,
  }) => {
    const deadDbPort = await supervisor.freePort()
    const port = await supervisor.freePort()
    const backend = startBackend(
      'backend-db-down',
      backendEnv({ PORT: String(port), DB_PORT: String(deadDbPort), REDIS_PORT: '6379' })
    )
    started.push(backend)
    const base = `http://127.0.0.1:${port}`
    await supervisor.waitForHttp(`${base}/health`, { timeoutMs: BOOT_TIMEOUT_MS, proc: backend })

    const startedAt = Date.now()
    const response = await fetch(`${base}/ready`)
    assert.isAtMost(Date.now() - startedAt, 2000)
    assert.equal(response.status, 503)
    assert.deepEqual(await response.json(), { status: 'not_ready', db: 'error', redis: 'ok' })
  }).timeout(BOOT_TIMEOUT_MS + 10_000)
})

/** A random value used for both secrets: each fine alone, refused together. */
const SHARED_SECRET = randomBytes(32).toString('base64url')

test.group('backend process · boot settings', () => {
  test('{title}: the boot stops with a message naming {name}')
    .with([
      { title: 'JWT_SECRET missing', name: 'JWT_SECRET', overrides: { JWT_SECRET: undefined } },
      { title: 'JWT_SECRET too short', name: 'JWT_SECRET', overrides: { JWT_SECRET: 'short' } },
      { title: 'DB_HOST missing', name: 'DB_HOST', overrides: { DB_HOST: undefined } },
      { title: 'PORT malformed', name: 'PORT', overrides: { PORT: 'eighty' } },
      {
        title: 'JWT_SECRET is the value once committed in backend/.env.example',
        name: 'JWT_SECRET',
        overrides: { JWT_SECRET: 'change-me-to-a-secret-of-32-characters-or-more' },
        hint: 'generate one with',
      },
      {
        title: 'JWT_SECRET is 32 spaces',
        name: 'JWT_SECRET',
        overrides: { JWT_SECRET: ' '.repeat(32) },
        hint: 'generate one with',
      },
      {
        title: 'APP_KEY is 32 × "a"',
        name: 'APP_KEY',
        overrides: { APP_KEY: 'a'.repeat(32) },
        hint: 'generate one with',
      },
      {
        title: 'APP_KEY equals JWT_SECRET',
        name: 'APP_KEY" and "JWT_SECRET',
        overrides: { APP_KEY: SHARED_SECRET, JWT_SECRET: SHARED_SECRET },
        hint: 'must differ',
      },
      {
        title: 'TRUSTED_PROXIES malformed',
        name: 'TRUSTED_PROXIES',
        overrides: { TRUSTED_PROXIES: '10.244.0.0/99' },
      },
      { title: 'REDIS_DB out of range', name: 'REDIS_DB', overrides: { REDIS_DB: '16' } },
    ])
    .run(async ({ assert }, { name, overrides, hint }) => {
      const port = await supervisor.freePort()
      const backend = startBackend(
        `backend-boot-${name}`,
        // ENV_PATH keeps a developer's backend/.env out of this check.
        backendEnv({
          PORT: String(port),
          REDIS_PORT: '6379',
          ENV_PATH: 'tests/lib/',
          ...overrides,
        })
      )
      const deadline = Date.now() + BOOT_TIMEOUT_MS
      while (supervisor.isAlive(backend) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const alive = supervisor.isAlive(backend)
      await supervisor.stopProcess(backend)
      assert.isFalse(alive, 'the backend kept running with a bad setting')
      const log = readFileSync(backend.log!, 'utf8')
      assert.include(log, `"${name}"`)
      if (hint) assert.include(log, hint)
    })
    .timeout(BOOT_TIMEOUT_MS + 10_000)
})
