/*
 * The plan runner of scripts/ (scripts/lib/plan.ts), on plain steps: the order, the progress lines,
 * undo newest first on failure, a dry run that does nothing.
 */
import { test } from '@japa/runner'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PlanFailure, runPlan, type Step } from '../../scripts/lib/plan.ts'

/** The lines a plan printed, and a clock that moves only when a step says it worked. */
function recorder() {
  const clock = { t: 0 }
  const lines: string[] = []
  return { lines, clock, print: (l: string) => lines.push(l), now: () => clock.t }
}

/** Steps that log what they do and undo into `events`, 1.5 s each; the one named `fails` throws. */
function steps(events: string[], fails?: string, clock = { t: 0 }): Step[] {
  return ['control plane', 'argocd', 'backend', 'apps'].map((title) => ({
    title,
    async run(ctx) {
      clock.t += 1500
      await ctx.act(`start ${title}`, () => events.push(`start ${title}`))
      ctx.onCleanup(`stop ${title}`, () => events.push(`stop ${title}`))
      if (title === fails) throw new Error(`${title} broke\nsecond line`)
    },
  }))
}

test.group('plan runner', () => {
  test('runs the steps in order, printing each start and completion with its time', async ({
    assert,
  }) => {
    const events: string[] = []
    const r = recorder()
    await runPlan(steps(events, undefined, r.clock), { print: r.print, now: r.now })
    assert.deepEqual(events, ['start control plane', 'start argocd', 'start backend', 'start apps'])
    const progress = r.lines.filter((l) => /[▶✓]/.test(l)).map((l) => l.trim())
    assert.deepEqual(progress, [
      '[0.0s] ▶ 1/4 control plane',
      '[1.5s] ✓ 1/4 control plane — 1.5s',
      '[1.5s] ▶ 2/4 argocd',
      '[3.0s] ✓ 2/4 argocd — 1.5s',
      '[3.0s] ▶ 3/4 backend',
      '[4.5s] ✓ 3/4 backend — 1.5s',
      '[4.5s] ▶ 4/4 apps',
      '[6.0s] ✓ 4/4 apps — 1.5s',
    ])
    assert.include(r.lines, '→ start argocd')
  })

  test('a failed step stops the plan and every registered undo runs, newest first', async ({
    assert,
  }) => {
    const events: string[] = []
    const r = recorder()
    const error = await runPlan(steps(events, 'backend', r.clock), {
      print: r.print,
      now: r.now,
    }).catch((e: unknown) => e)
    assert.instanceOf(error, PlanFailure)
    assert.equal((error as PlanFailure).message, 'backend: backend broke\nsecond line')
    assert.deepEqual((error as PlanFailure).undoFailures, [])
    // apps never started; the failing step's own undo runs first
    assert.deepEqual(events, [
      'start control plane',
      'start argocd',
      'start backend',
      'stop backend',
      'stop argocd',
      'stop control plane',
    ])
    assert.isTrue(
      r.lines.some((l) => /✗ 3\/4 backend — failed after 1\.5s: backend broke$/.test(l))
    )
    assert.include(r.lines, '\nundoing 3 registered step(s), newest first:')
  })

  test('an undo that fails is reported and the older undos still run', async ({ assert }) => {
    const events: string[] = []
    const plan: Step[] = [
      { title: 'a', run: () => () => events.push('undo a') },
      {
        title: 'b',
        run: () => () => {
          throw new Error('b survived SIGKILL')
        },
      },
      {
        title: 'c',
        run: () => {
          throw new Error('c failed')
        },
      },
    ]
    const error = (await runPlan(plan, { print: () => {} }).catch((e) => e)) as PlanFailure
    assert.deepEqual(events, ['undo a'])
    assert.deepEqual(
      error.undoFailures.map((u) => [u.undo, u.error.message]),
      [['undo b', 'b survived SIGKILL']]
    )
    assert.match(error.message, /^c: c failed\nleft behind \(an undo failed\): undo b/)
  })

  test('onFailure "continue" runs every step and names each that failed; nothing is undone', async ({
    assert,
  }) => {
    const events: string[] = []
    const plan = steps(events, 'argocd')
    plan[2].run = () => {
      throw new Error('backend is stuck')
    }
    const error = (await runPlan(plan, { onFailure: 'continue', print: () => {} }).catch(
      (e) => e
    )) as PlanFailure
    assert.deepEqual(events, ['start control plane', 'start argocd', 'start apps'])
    assert.deepEqual(
      error.failures.map((f) => f.step),
      ['argocd', 'backend']
    )
  })

  test('a dry run prints every step, command, action and undo, and does none of them', async ({
    assert,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ark-plan-'))
    try {
      const marker = join(dir, 'ran')
      const events: string[] = []
      const r = recorder()
      const plan: Step[] = [
        ...steps(events),
        {
          title: 'a command and a process',
          async run(ctx) {
            assert.equal(await ctx.exec('touch', [marker]), '')
            const failing = await ctx.tryExec('false', [])
            assert.isTrue(failing.ok)
            const proc = await ctx.start({
              name: 'sleeper',
              cmd: 'touch',
              args: [marker],
              log: join(dir, 'sleeper.log'),
            })
            assert.isUndefined(proc)
            assert.equal(await ctx.act('count', () => 42, 7), 7)
          },
        },
      ]
      await runPlan(plan, { dryRun: true, print: r.print, now: r.now })
      assert.deepEqual(events, [])
      assert.isFalse(existsSync(marker), 'a dry run ran a command')
      assert.isFalse(existsSync(join(dir, 'sleeper.log')), 'a dry run started a process')
      assert.deepEqual(r.lines.slice(0, 4), [
        '\n# 1/5 control plane',
        '→ start control plane',
        '↩ on failure: stop control plane',
        '\n# 2/5 argocd',
      ])
      assert.includeMembers(r.lines, [
        `$ touch ${marker}`,
        '$ false',
        `$ touch ${marker} &`,
        '→ count',
      ])
      assert.notOk(
        r.lines.find((l) => /[▶✓]/.test(l)),
        'a dry run reports no progress of its own'
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
