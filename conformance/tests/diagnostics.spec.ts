import { test } from '@japa/runner'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Application } from '../lib/argocd.ts'
import { formatApplication, formatEvents, formatPods, tailLog } from '../lib/diagnostics.ts'

test.group('diagnostics formatting', () => {
  test('an Application: sync, health, conditions, last sync result and unhealthy resources', ({
    assert,
  }) => {
    const app: Application = {
      metadata: { name: 'backend', namespace: 'argocd' },
      spec: { project: 'tenant-apps', destination: { namespace: 'tenant-backend' } },
      status: {
        sync: { status: 'OutOfSync', revision: 'abc1234' },
        health: { status: 'Degraded', message: 'Deployment exceeded its progress deadline' },
        conditions: [
          {
            type: 'SyncError',
            message: 'Failed last sync attempt to [abc1234]: one or more objects failed to apply',
          },
        ],
        operationState: {
          phase: 'Failed',
          message: 'one or more objects failed to apply',
          startedAt: '2026-11-26T10:00:00Z',
          finishedAt: '2026-11-26T10:00:02Z',
          syncResult: {
            revision: 'abc1234',
            resources: [
              {
                kind: 'Deployment',
                name: 'backend',
                status: 'SyncFailed',
                message: 'admission webhook denied',
              },
              { kind: 'Service', name: 'backend', status: 'Synced' },
            ],
          },
        },
        resources: [
          {
            kind: 'Deployment',
            name: 'backend',
            status: 'OutOfSync',
            health: { status: 'Degraded', message: 'progress deadline' },
          },
        ],
      },
    }
    const text = formatApplication(app)
    assert.include(
      text,
      'Application argocd/backend: sync OutOfSync at abc1234, ' +
        'health Degraded (Deployment exceeded its progress deadline)'
    )
    assert.include(text, 'condition SyncError: Failed last sync attempt')
    assert.include(
      text,
      'last sync: Failed 2026-11-26T10:00:00Z → 2026-11-26T10:00:02Z ' +
        'rev abc1234 · one or more objects failed to apply'
    )
    assert.include(text, 'Deployment/backend: SyncFailed · admission webhook denied')
    assert.notInclude(text, 'Service/backend')
    assert.include(text, 'resource Deployment/backend: OutOfSync/Degraded · progress deadline')
  })

  test('events newest last and bounded; pods with readiness, waiting reason and memory limit', ({
    assert,
  }) => {
    const events = Array.from({ length: 20 }, (_, i) => ({
      type: 'Normal',
      reason: `R${i}`,
      message: `m${i}`,
      involvedObject: { kind: 'Pod', name: `p${i}` },
      lastTimestamp: new Date(Date.UTC(2026, 10, 26, 10, 0, 20 - i)),
      metadata: {},
    }))
    const text = formatEvents(events as never, 3)
    assert.deepEqual(
      text
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(' ')[2]),
      ['Pod/p2', 'Pod/p1', 'Pod/p0']
    )
    const pods = formatPods([
      {
        metadata: { name: 'backend-1' },
        spec: { containers: [{ name: 'api', resources: { limits: { memory: '128Mi' } } }] },
        status: {
          phase: 'Pending',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [
            {
              name: 'api',
              ready: false,
              restartCount: 0,
              image: 'x',
              imageID: '',
              state: { waiting: { reason: 'ImagePullBackOff' } },
            },
          ],
        },
      },
    ] as never)
    assert.equal(
      pods,
      'pods:\n  backend-1 phase Pending ready False waiting ImagePullBackOff mem-limit 128Mi'
    )
  })

  test('tailLog returns the last lines of a big log', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-log-'))
    try {
      const file = join(dir, 'backend.log')
      writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n')
      const text = tailLog(file, 3)
      assert.equal(text, `last 3 lines of ${file}:\n  line 4997\n  line 4998\n  line 4999`)
      assert.equal(tailLog(join(dir, 'nope.log')), `log ${join(dir, 'nope.log')}: missing`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
