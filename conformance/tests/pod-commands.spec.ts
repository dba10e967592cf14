/*
 * The kind profile reaches PostgreSQL and Redis by exec into their pods. The
 * shell commands it sends are run here by a real sh against the machine's own
 * PostgreSQL and Redis, with the password given as a file the way the
 * bitnami charts mount it.
 */
import { test } from '@japa/runner'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { psqlCommand, redisPingCommand } from '../lib/data-stores.ts'

function sh(command: string, env: Record<string, string>) {
  const r = spawnSync('sh', ['-c', command], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 10_000,
  })
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() }
}

test.group('commands sent into the data store pods (kind profile)', (group) => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-pod-'))
  group.teardown(() => rmSync(dir, { recursive: true, force: true }))

  test('psql command: password from a file, parameters inlined safely', ({ assert }) => {
    const file = join(dir, 'pgpass')
    writeFileSync(file, 'unused-with-trust-auth')
    const cmd = psqlCommand(
      { user: 'postgres', database: 'postgres', passwordEnv: 'POSTGRES_PASSWORD' },
      "SELECT $1::text || '|' || $2::text",
      ["o'neil; DROP TABLE x", 'b']
    )
    const r = sh(cmd, { POSTGRES_PASSWORD_FILE: file })
    assert.equal(r.status, 0, r.err)
    assert.equal(r.out, "o'neil; DROP TABLE x|b")
  })

  test('redis-cli ping command answers PONG', ({ assert }) => {
    const r = sh(redisPingCommand({ passwordEnv: 'REDIS_PASSWORD' }), {})
    assert.equal(r.status, 0, r.err)
    assert.equal(r.out, 'PONG')
  })
})
