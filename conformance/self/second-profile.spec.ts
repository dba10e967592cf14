/*
 * A new app set is a new table, not new code: the unchanged Block 7 checks run with the
 * local-hello table (conformance/profiles/local-hello.yaml), which points every test at a second
 * in-repo chart (helm/hello) with other numbers. Runs a real suite run against the local cluster.
 */
import { test } from '@japa/runner'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { currentProfile } from '../lib/check.ts'
import { readProfileTable } from '../lib/profile.ts'
import type { RunResult } from '../lib/results.ts'
import { testContext } from '../fixture/context.ts'

test.group('a second profile is a second table', () => {
  test('the Block 7 checks pass against helm/hello with the local-hello table, and leave git as found', async ({
    assert,
  }) => {
    const table = readProfileTable('local-hello')
    assert.equal(table.gitops.autoSync.app, 'hello')
    const ctx = testContext(currentProfile())
    const head = await ctx.source.head()
    const reports = mkdtempSync(join(tmpdir(), 'conformance-second-'))
    try {
      const r = spawnSync(
        process.execPath,
        [
          join(repoRoot, 'conformance/bin/run.ts'),
          '--profile',
          'local-hello',
          '--files',
          '02-gitops',
        ],
        {
          cwd: repoRoot,
          env: { ...process.env, ARK_CONFORMANCE_REPORTS: reports, NO_COLOR: '1' },
          encoding: 'utf8',
          timeout: 540_000,
        }
      )
      const run = JSON.parse(readFileSync(join(reports, 'results.json'), 'utf8')) as RunResult
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
      assert.equal(run.profile, 'local-hello')
      assert.deepEqual(
        run.checks.map((c) => [c.name, c.status]),
        ['auto-sync', 'self-heal', 'prune', 'rollback'].map((n) => [`Block 7 · ${n}`, 'passed'])
      )
      const labels = run.checks.flatMap((c) => c.convergence.map((v) => v.label))
      assert.includeMembers(labels, [
        'commit replicas 1→2',
        'drift: 3 pods',
        'manual scale 3→1 healed',
        'commit memory 64Mi→32Mi',
      ])
      assert.equal(await ctx.source.head(), head)
    } finally {
      rmSync(reports, { recursive: true, force: true })
    }
  }).timeout(600_000)
})
