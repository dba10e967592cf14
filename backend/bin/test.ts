/*
 * Test runner entrypoint (node ace test). Tests need no backend/.env: every
 * setting they depend on is filled here. The database is always the
 * dedicated test database (TEST_DB_DATABASE, default agent_ready_test), never
 * the one a developer's .env points at, and the secrets are random per run.
 */
import { randomBytes } from 'node:crypto'

process.env.NODE_ENV = 'test'
process.env.DB_DATABASE = process.env.TEST_DB_DATABASE || 'agent_ready_test'
// 3333 may be taken by a locally running backend.
process.env.PORT = process.env.TEST_PORT || '3334'
process.env.HOST = '127.0.0.1'
process.env.LOG_LEVEL ||= 'warn'
process.env.APP_KEY ||= randomBytes(32).toString('base64url')
process.env.JWT_SECRET ||= randomBytes(32).toString('base64url')
process.env.DB_HOST ||= '127.0.0.1'
process.env.DB_PORT ||= '5432'
process.env.DB_USER ||= 'postgres'
process.env.REDIS_HOST ||= '127.0.0.1'
process.env.REDIS_PORT ||= '6379'
// The test client (127.0.0.1) acts as a trusted proxy, so each test picks its
// client address with X-Forwarded-For; 10.244.0.0/16 stands for a cluster's pod
// network (tests/functional/client_address.spec.ts). Other loopback addresses
// (127.0.0.2+) are untrusted peers.
process.env.TRUSTED_PROXIES = '127.0.0.1/32,10.244.0.0/16'

const { prettyPrintError } = await import('@adonisjs/core')
const { configure, processCLIArgs, run } = await import('@japa/runner')
const { createIgnitor } = await import('./ignitor.js')

createIgnitor()
  .testRunner()
  .configure(async (app) => {
    const { runnerHooks, ...config } = await import('../tests/bootstrap.js')

    processCLIArgs(process.argv.splice(2))
    configure({
      ...app.rcFile.tests,
      ...config,
      setup: runnerHooks.setup,
      teardown: runnerHooks.teardown.concat([() => app.terminate()]),
    })
  })
  .run(() => run())
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
