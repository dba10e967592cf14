import { test } from '@japa/runner'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunResult } from '../lib/results.ts'

function runFixture(set: 'all' | 'pass') {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-fixture-'))
  const r = spawnSync(process.execPath, ['conformance/tests/fixtures/run-fixture.ts'], {
    env: { ...process.env, ARK_CONFORMANCE_REPORTS: dir, FIXTURE_SET: set, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  })
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8')
  rmSync(dir, { recursive: true, force: true })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, results, junit }
}

test.group('conformance reporter (a real Japa run of fixture checks)', () => {
  test('records pass, fail (with cause and diagnostics), contradiction and skip; exits non-zero', ({
    assert,
  }) => {
    const { status, stdout, results, junit } = runFixture('all')
    assert.equal(status, 1, stdout)
    assert.deepEqual(results.summary, { total: 4, passed: 1, failed: 2, skipped: 1 })
    const byName = Object.fromEntries(results.checks.map((c) => [c.name, c]))

    const ok = byName['Block 7 · converges']
    assert.equal(ok.status, 'passed')
    assert.equal(ok.block, 'Block 7')
    assert.equal(ok.profile, 'local')
    assert.isNull(ok.cause)
    assert.equal(ok.convergence[0].label, 'replicas 2→3')
    assert.isAtMost(ok.convergence[0].actionToObservedMs, 200)

    const heal = byName['Block 7 · never heals']
    assert.equal(heal.status, 'failed')
    assert.match(
      heal.cause!,
      /^self-heal back to 2: not met within \d+ ms: spec\.replicas is 5, want 2 · automated sync OFF$/
    )
    assert.equal(heal.diagnostics, 'Application backend: sync OutOfSync\nevents: none')
    assert.isBelow(heal.durationMs, 2_000)

    const contra = byName['Block 1 · contradiction']
    assert.equal(contra.cause, 'project: failed: AppProject tenant-apps may deploy to kube-system')
    assert.isBelow(contra.durationMs, 1_000)

    const skipped = byName['Block 5 · podinfo']
    assert.equal(skipped.status, 'skipped')
    assert.equal(skipped.cause, 'remote charts cannot be fetched in this profile')

    // live progress and the one-line cause on the terminal
    assert.include(stdout, '▶ Block 7 · never heals')
    assert.include(stdout, '· restored by hand')
    assert.include(stdout, 'cause: self-heal back to 2: not met within')
    assert.include(
      stdout,
      '− Block 5 · podinfo SKIPPED: remote charts cannot be fetched in this profile'
    )
    assert.include(stdout, '1 passed, 2 failed, 1 skipped of 4')

    assert.include(junit, 'tests="4" failures="2" errors="0" skipped="1"')
    assert.match(
      junit,
      /<skipped\/>\s*<system-out><!\[CDATA\[skipped: remote charts cannot be fetched in this profile\]\]><\/system-out>/
    )
  })

  test('exits 0 when nothing failed', ({ assert }) => {
    const { status, results, stdout } = runFixture('pass')
    assert.equal(status, 0, stdout)
    assert.deepEqual(results.summary, { total: 1, passed: 1, failed: 0, skipped: 0 })
  })
})
