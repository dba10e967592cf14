/*
 * The one process supervisor, against real processes: start detached with a log, liveness by PID +
 * start time, stop (TERM, then KILL), never signal a PID whose start time differs.
 */
import { test } from '@japa/runner'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  adoptProcess,
  freePort,
  isAlive,
  portInUse,
  startProcess,
  stopProcess,
  waitForHttp,
  waitForPort,
} from '../../scripts/lib/supervisor.ts'

const dir = mkdtempSync(join(tmpdir(), 'ark-supervisor-'))
const node = process.execPath

test.group('supervisor', (group) => {
  group.teardown(() => rmSync(dir, { recursive: true, force: true }))

  test('starts a process detached, logs its output, stops it with TERM', async ({ assert }) => {
    const log = join(dir, 'hello.log')
    const rec = startProcess({
      name: 'hello',
      cmd: node,
      args: ['-e', 'console.log("hello from child"); setInterval(() => {}, 1000)'],
      log,
    })
    assert.isTrue(isAlive(rec))
    assert.match(rec.startTime, /^\d+$/)
    const port = await freePort()
    assert.isFalse(await portInUse(port))
    await stopProcess(rec, { graceMs: 3000 })
    assert.isFalse(isAlive(rec))
    assert.include(readFileSync(log, 'utf8'), 'hello from child')
  })

  test('escalates to KILL when TERM is ignored, and stops the whole process group', async ({
    assert,
  }) => {
    const log = join(dir, 'stubborn.log')
    // the parent ignores TERM and has a child of its own (same process group) that ignores it too
    const script = [
      "process.on('SIGTERM', () => {})",
      "const c = require('node:child_process').spawn(process.execPath, " +
        '[\'-e\', \'process.on("SIGTERM", () => {}); console.log("child ' +
        "ready\"); setInterval(() => {}, 1000)'], { stdio: 'inherit' })",
      "console.log('grandchild pid ' + c.pid)",
      'setInterval(() => {}, 1000)',
    ].join(';')
    const rec = startProcess({ name: 'stubborn', cmd: node, args: ['-e', script], log })
    const deadline = Date.now() + 10_000
    while (!/^child ready$/m.test(readFileSync(log, 'utf8')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    const grandchild = Number(/^grandchild pid (\d+)$/m.exec(readFileSync(log, 'utf8'))![1])
    const child = adoptProcess('grandchild', grandchild)!
    assert.isTrue(isAlive(child))
    const started = Date.now()
    await stopProcess(rec, { graceMs: 500 })
    assert.isFalse(isAlive(rec))
    assert.isFalse(isAlive(child), 'the process group member must be stopped too')
    assert.isAbove(Date.now() - started, 450, 'TERM was ignored, so it took the grace period')
  })

  test('never signals a PID whose start time differs (recycled PID)', async ({ assert }) => {
    const rec = startProcess({
      name: 'victim',
      cmd: node,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      log: join(dir, 'victim.log'),
    })
    const impostor = { ...rec, startTime: String(BigInt(rec.startTime) - 1n) }
    assert.isFalse(isAlive(impostor))
    await stopProcess(impostor, { graceMs: 200 })
    assert.isTrue(isAlive(rec), 'the real process must survive a stop aimed at a recycled PID')
    await stopProcess(rec)
  })

  test('waitForPort / waitForHttp wait for a listener and fail early with the log when the process dies', async ({
    assert,
  }) => {
    const port = await freePort()
    const log = join(dir, 'http.log')
    const rec = startProcess({
      name: 'http',
      cmd: node,
      args: [
        '-e',
        `setTimeout(() => require('node:http').createServer((q, ` +
          `s) => s.end('ok')).listen(${port}, '127.0.0.1'), 300)`,
      ],
      log,
    })
    await waitForPort(port, { proc: rec, timeoutMs: 10_000 })
    assert.equal(
      await waitForHttp(`http://127.0.0.1:${port}/`, { proc: rec, timeoutMs: 10_000 }),
      200
    )
    await stopProcess(rec)

    const dying = startProcess({
      name: 'dying',
      cmd: node,
      args: ['-e', 'console.error("boom: config invalid"); setTimeout(() => process.exit(3), 200)'],
      log: join(dir, 'dying.log'),
    })
    const unused = await freePort()
    await assert.rejects(
      () => waitForPort(unused, { proc: dying, timeoutMs: 10_000 }),
      /dying .*exited[\s\S]*boom: config invalid/
    )
  })

  test('portInUse sees a listener', async ({ assert }) => {
    const srv = createServer().listen(0, '127.0.0.1')
    await new Promise((r) => srv.once('listening', r))
    const port = (srv.address() as { port: number }).port
    assert.isTrue(await portInUse(port))
    await new Promise((r) => srv.close(r))
    assert.isFalse(await portInUse(port))
  })
})
