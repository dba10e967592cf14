/*
 * The one run() of scripts/ (scripts/lib/run.ts) and the one log tail (scripts/lib/log-tail.ts),
 * against real child processes and files.
 */
import { test } from '@japa/runner'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tailFile } from '../../scripts/lib/log-tail.ts'
import { run, RunError, tryRun } from '../../scripts/lib/run.ts'

test.group('run() and the log tail', (group) => {
  let dir = ''
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'ark-run-'))
    return () => rmSync(dir, { recursive: true, force: true })
  })

  test('run returns stdout, logs the command and its output, and throws with the last lines', async ({
    assert,
  }) => {
    const log = join(dir, 'x.log')
    const node = process.execPath
    assert.equal(
      await run(node, ['-e', 'console.log("hi"); console.error("warn")'], { log }),
      'hi\n'
    )
    const script = 'for (let i = 0; i < 30; i++) console.log("line " + i); process.exit(3)'
    const error = await run(node, ['-e', script], { log }).catch((e: unknown) => e)
    assert.instanceOf(error, RunError)
    assert.match(
      (error as Error).message,
      /^node -e .* failed \(exit 3\):\nline 10\n[\s\S]*line 29$/
    )
    assert.equal((error as RunError).result.status, 3)
    const logged = readFileSync(log, 'utf8')
    assert.include(logged, `$ ${node} -e console.log("hi")`)
    assert.include(logged, 'hi\nwarn\n')
    assert.include(logged, 'line 29')
  })

  test('tryRun says why a command did not succeed: missing, timed out, fed stdin', async ({
    assert,
  }) => {
    const missing = await tryRun(join(dir, 'no-such-binary'), [])
    assert.isFalse(missing.ok)
    assert.include(missing.reason, 'ENOENT')
    const slow = await tryRun(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      timeoutMs: 300,
    })
    assert.isFalse(slow.ok)
    assert.equal(slow.reason, 'killed by SIGTERM (timeout 0.3 s)')
    const cat = await tryRun('cat', [], { input: 'from stdin' })
    assert.deepInclude(cat, { ok: true, status: 0, stdout: 'from stdin' })
  })

  test('tailFile reads the last lines of a big log, and says when there is none', ({ assert }) => {
    const file = join(dir, 'big.log')
    writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n')
    assert.equal(tailFile(file, 3), 'line 19997\nline 19998\nline 19999')
    assert.equal(tailFile(file, 100_000).split('\n')[0].startsWith('line '), true)
    assert.equal(tailFile(join(dir, 'nope.log')), '(no log)')
    assert.equal(tailFile(undefined), '(no log)')
  })
})
