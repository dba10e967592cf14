/*
 * Redis PING as the local profile sends it (ioredis, one attempt), against a real
 * redis-server with a password: PONG with the right one, the server's refusal without
 * or with a wrong one, a clear error when nothing listens.
 */
import { test } from '@japa/runner'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redisPing } from '../lib/data-stores.ts'
import type { Kube } from '../lib/kube.ts'
import {
  freePort,
  startProcess,
  stopProcess,
  waitForPort,
  type ProcRecord,
} from '../../scripts/lib/supervisor.ts'

// the direct path never touches the cluster
const noKube = undefined as unknown as Kube

test.group('Redis PING (direct)', (group) => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-redis-'))
  let server: ProcRecord
  let port: number
  group.setup(async () => {
    port = await freePort()
    server = startProcess({
      name: 'redis-with-password',
      cmd: 'redis-server',
      args: [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--requirepass',
        's3cret',
      ],
      log: join(dir, 'redis.log'),
    })
    await waitForPort(port, { proc: server, timeoutMs: 10_000 })
  })
  group.teardown(async () => {
    await stopProcess(server)
    rmSync(dir, { recursive: true, force: true })
  })

  test('answers PONG with the right password', async ({ assert }) => {
    assert.equal(
      await redisPing(noKube, { kind: 'direct', host: '127.0.0.1', port, password: 's3cret' }),
      'PONG'
    )
  })

  test('returns the refusal without a password and with a wrong one', async ({ assert }) => {
    assert.match(await redisPing(noKube, { kind: 'direct', host: '127.0.0.1', port }), /^NOAUTH/)
    assert.match(
      await redisPing(noKube, { kind: 'direct', host: '127.0.0.1', port, password: 'wrong' }),
      /^WRONGPASS/
    )
  })

  test('rejects with host, port and the socket error when nothing listens', async ({ assert }) => {
    const closed = await freePort()
    await assert.rejects(
      () => redisPing(noKube, { kind: 'direct', host: '127.0.0.1', port: closed }),
      `redis 127.0.0.1:${closed}: ECONNREFUSED`
    )
  })
})
