/*
 * Every script's command line goes through node:util parseArgs, strictly: an unknown option
 * (a typo, or --dry-run where there is none) stops the script at once with its usage and exit
 * status 2 — before it starts anything, so nothing here needs a cluster or the toolchain.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { repoRoot } from '../../scripts/lib/local-state.ts'

const scripts = [
  'scripts/cluster-local.ts up',
  'scripts/cluster-kind.ts up',
  'scripts/toolchain.ts',
  'scripts/create-secrets.ts',
  'scripts/preflight.ts tests git',
  'scripts/sign-image.ts',
  'scripts/verify-image.ts',
  'conformance/bin/run.ts',
  'conformance/bin/bench.ts',
]

/** Runs a script with Node 24 and resolves to its exit status and output (never rejects). */
function runScript(
  command: string,
  ...extra: string[]
): Promise<{ status: number | null; output: string }> {
  const [file, ...args] = command.split(' ')
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args, ...extra],
      {
        cwd: repoRoot,
        timeout: 180_000,
        env: { ...process.env, ARK_LOCAL_DIR: '/nonexistent/never-used' },
      },
      (error, stdout, stderr) =>
        resolve({
          status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          output: `${stdout}${stderr}`,
        })
    )
  })
}

test.group('command lines', () => {
  test('every script refuses an unknown option with its usage and exit status 2', async ({
    assert,
  }) => {
    // three at a time: each start costs seconds of module loading, more on a busy machine
    for (let i = 0; i < scripts.length; i += 3) {
      const batch = scripts.slice(i, i + 3)
      const results = await Promise.all(
        batch.map((command) => runScript(command, '--no-such-option'))
      )
      batch.forEach((command, j) => {
        assert.equal(results[j].status, 2, `${command}: ${results[j].output}`)
        assert.include(results[j].output, "Unknown option '--no-such-option'", command)
      })
    }
  }).timeout(600_000)

  test('a missing option value and an unknown command are usage errors too', async ({ assert }) => {
    const [missing, command] = await Promise.all([
      runScript('scripts/toolchain.ts', '--only'),
      runScript('scripts/cluster-local.ts', 'start'),
    ])
    assert.equal(missing.status, 2, missing.output)
    assert.match(missing.output, /argument missing\s+usage: npm run toolchain/)
    assert.equal(command.status, 2, command.output)
    assert.include(command.output, 'usage: npm run cluster:local -- up | down | status')
  })
})
