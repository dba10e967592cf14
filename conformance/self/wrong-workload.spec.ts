/*
 * No hollow pass on the platform checks: pointed at a real Deployment of the local cluster that
 * has 1 ready replica and no migration init container, the backend-replica and migration checks
 * fail with a one-line cause.
 */
import { test } from '@japa/runner'
import { currentProfile } from '../lib/check.ts'
import { expect, met, pending } from '../../scripts/lib/expect.ts'
import { isNotFound } from '../lib/kube.ts'
import type { Profile } from '../lib/profile.ts'
import { testContext } from '../fixture/context.ts'
import { backendReplicas, migrations } from '../checks/platform.ts'

const NAMESPACE = 'tenant-conformance-selftest'
const NAME = 'one-replica'

function pointedAtWrongWorkload(): Profile {
  const p = currentProfile()
  return {
    ...p,
    deadlines: { ...p.deadlines, answerMs: 3_000 },
    backend: {
      ...p.backend,
      workload: { kind: 'Deployment', namespace: NAMESPACE, name: NAME },
      podSelector: `app=${NAME}`,
      migrations: { kind: 'init-container', container: 'migrate' },
    },
  }
}

test.group('platform checks fail on a wrong workload', (group) => {
  group.setup(async () => {
    const { kube } = testContext(currentProfile())
    await kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } }).catch((e) => {
      if ((e as { code?: number }).code !== 409) throw e
    })
    await kube.apps.createNamespacedDeployment({
      namespace: NAMESPACE,
      body: {
        metadata: { name: NAME },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: NAME } },
          template: {
            metadata: { labels: { app: NAME } },
            spec: { containers: [{ name: 'api', image: 'busybox:1.37.0' }] },
          },
        },
      },
    })
    await expect(`${NAME} has 1 ready pod`, async () => {
      const d = await kube.apps.readNamespacedDeployment({ name: NAME, namespace: NAMESPACE })
      return d.status?.readyReplicas === 1
        ? met()
        : pending(`${d.status?.readyReplicas ?? 0} ready`)
    }).within(30_000)
    return async () => {
      await kube.core.deleteNamespace({ name: NAMESPACE })
      await expect(`namespace ${NAMESPACE} deleted`, async () => {
        try {
          await kube.core.readNamespace({ name: NAMESPACE })
          return pending('still there')
        } catch (e) {
          if (isNotFound(e)) return met()
          throw e
        }
      }).within(60_000)
    }
  })

  test('Block 12 · backend replicas all ready: a Deployment with 1 ready replica', async ({
    assert,
  }) => {
    const cause = await backendReplicas.run(testContext(pointedAtWrongWorkload())).then(
      () => null,
      (e: Error) => e.message
    )
    assert.match(
      cause!,
      new RegExp(
        `Deployment ${NAMESPACE}/${NAME}: spec\\.replicas 1, 1/1 pods ready.*; want 2 ready pods`
      ),
      cause!
    )
    assert.notInclude(cause!, '\n')
  })

  test('Block 13 · migrations completed before the API: pods without the migration init container', async ({
    assert,
  }) => {
    const cause = await migrations.run(testContext(pointedAtWrongWorkload())).then(
      () => null,
      (e: Error) => e.message
    )
    assert.match(cause!, new RegExp(`failed: pod ${NAME}-\\S+ has no init container migrate`))
  })
})
