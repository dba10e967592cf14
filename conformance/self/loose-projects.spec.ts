/*
 * No hollow pass on the Block 1 confinement checks: with tenant-apps loosened back to what it
 * used to allow (every cluster-scoped kind; any source), each check — the same code the suite
 * runs — fails with a one-line cause, and the project is put back exactly as bootstrap applies it.
 */
import { test } from '@japa/runner'
import { GROUP, VERSION, listProjects, type AppProject } from '../lib/argocd.ts'
import { currentProfile } from '../lib/check.ts'
import { mergePatch } from '../lib/kube.ts'
import { expect, met, pending } from '../../scripts/lib/expect.ts'
import { testContext } from '../fixture/context.ts'
import { appProjects } from '../../scripts/lib/gitops-apply.ts'
import { tenantClusterScoped, tenantForeignSource } from '../checks/tenancy.ts'

const PROJECT = 'tenant-apps'

/** Merge-patch tenant-apps' spec, run body, then restore the fields as bootstrap applies them. */
async function withLoosenedProject(loose: Record<string, unknown>, body: () => Promise<void>) {
  const profile = currentProfile()
  const { kube } = testContext(profile)
  const ns = profile.argocdNamespace
  const declared = appProjects(profile.git.url).find((p) => p.metadata.name === PROJECT)!
  const patch = (spec: Record<string, unknown>) =>
    kube.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: 'appprojects',
        name: PROJECT,
        body: { spec },
      },
      mergePatch
    )
  const fieldsIs = (want: Record<string, unknown>) =>
    expect(`AppProject ${PROJECT} has ${JSON.stringify(want)}`, async () => {
      const projects = await listProjects(kube, ns)
      const live = projects.find((p) => p.metadata.name === PROJECT) as AppProject & {
        spec: Record<string, unknown>
      }
      const off = Object.keys(want).filter(
        (k) => JSON.stringify(live.spec[k] ?? []) !== JSON.stringify(want[k])
      )
      return off.length === 0 ? met() : pending(`${off.join(', ')} not yet as patched`)
    }).within(10_000)
  const original = Object.fromEntries(
    Object.keys(loose).map((k) => [k, (declared.spec as Record<string, unknown>)[k] ?? []])
  )
  try {
    await patch(loose)
    await fieldsIs(loose)
    await body()
  } finally {
    await patch(original)
    await fieldsIs(original)
  }
}

test.group('Block 1 confinement checks fail on a loosened project', () => {
  test('tenant-apps allowing every cluster-scoped kind: the probe Namespace and ClusterRole get created, the check fails', async ({
    assert,
  }) => {
    await withLoosenedProject(
      { clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
      async () => {
        const ctx = testContext(currentProfile())
        const error = await tenantClusterScoped.run(ctx).then(
          () => null,
          (e: Error) => e
        )
        assert.isNotNull(
          error,
          'the check passed on a project that lets tenants create cluster-scoped objects'
        )
        assert.match(
          error!.message,
          /let a tenant Application create|synced in project tenant-apps/
        )
        assert.notInclude(error!.message, '\n')
      }
    )
  }).timeout(180_000)

  test('tenant-apps allowing any source: the foreign repository is fetched, the check fails', async ({
    assert,
  }) => {
    await withLoosenedProject({ sourceRepos: ['*'] }, async () => {
      const ctx = testContext(currentProfile())
      const error = await tenantForeignSource.run(ctx).then(
        () => null,
        (e: Error) => e
      )
      assert.isNotNull(error, 'the check passed on a project that accepts any source')
      assert.match(error!.message, /accepted https:\/\/github\.com\/ark-probe-fork/)
      assert.notInclude(error!.message, '\n')
    })
  }).timeout(120_000)
})
