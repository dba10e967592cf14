/*
 * Proof that the Block 7 checks can fail: with the behaviour switched off in the Application's
 * spec, each check (the same code the suite runs) must fail within its deadline, with a one-line
 * cause naming what did not happen, and still leave git and the cluster at the baseline. Runs
 * against the real local cluster.
 */
import { test } from '@japa/runner'
import { getApplication, patchApplication, type SyncPolicy } from '../lib/argocd.ts'
import { currentProfile, type Check } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { ExpectationError, expect, met, pending } from '../../scripts/lib/expect.ts'
import type { Profile } from '../lib/profile.ts'
import { testContext } from '../fixture/context.ts'
import { noOperationInFlight, waitFor } from '../fixture/expectations.ts'
import { runGitOpsTest } from '../fixture/gitops.ts'
import { describeRollout, readRollout } from '../fixture/workload.ts'
import { autoSync, prune, rollback, selfHeal } from '../checks/gitops.ts'

const DEADLINE_MS = 20_000

/** The run's profile with a short convergence deadline: the check is expected to time out. */
function shortProfile(): Profile {
  const p = currentProfile()
  return { ...p, deadlines: { ...p.deadlines, convergenceMs: DEADLINE_MS } }
}

type Automated = NonNullable<SyncPolicy['automated']>

/**
 * Switch part of an app's automated policy off. The root app would self-heal the child's spec
 * straight back, so its own automation is paused too; both are restored exactly in `finally`.
 */
async function withPolicy(app: string, automated: Automated | null, body: () => Promise<void>) {
  const ctx = testContext(currentProfile())
  const { kube, profile } = ctx
  const ns = profile.argocdNamespace
  const policyIs = (name: string, want: Automated | null) =>
    expect(`${name} has automated=${JSON.stringify(want)}`, async () => {
      const a = await getApplication(kube, ns, name)
      const got = a.spec.syncPolicy?.automated ?? null
      return JSON.stringify(got) === JSON.stringify(want)
        ? met()
        : pending(`${name} automated is ${JSON.stringify(got)}`)
    }).within(30_000)
  const { value: root } = await waitFor(ctx, noOperationInFlight(profile.rootApp), 60_000)
  const rootAutomated = root.spec.syncPolicy?.automated ?? null
  const application = await getApplication(kube, ns, app)
  const appAutomated = application.spec.syncPolicy?.automated ?? null
  try {
    await patchApplication(kube, ns, profile.rootApp, { spec: { syncPolicy: { automated: null } } })
    await policyIs(profile.rootApp, null)
    // a sync started before the pause would re-apply the child's spec
    await waitFor(ctx, noOperationInFlight(profile.rootApp), 60_000)
    await patchApplication(kube, ns, app, { spec: { syncPolicy: { automated } } })
    await policyIs(app, automated)
    await body()
  } finally {
    await patchApplication(kube, ns, app, { spec: { syncPolicy: { automated: appAutomated } } })
    await patchApplication(kube, ns, profile.rootApp, {
      spec: { syncPolicy: { automated: rootAutomated } },
    })
    await expect(`root app ${profile.rootApp} Synced and idle again`, async () => {
      const r = await noOperationInFlight(profile.rootApp).probe(ctx)
      if (r.status !== 'met') return r
      return r.value.status?.sync?.status === 'Synced'
        ? met()
        : pending(`root is ${r.value.status?.sync?.status}`)
    }).within(60_000)
    await policyIs(app, appAutomated)
  }
}

type Assert = {
  instanceOf: Function
  equal: Function
  match: Function
  isAtLeast: Function
  isBelow: Function
  include: Function
  isNull: Function
}

async function expectFailure(check: Check, cause: RegExp, assert: Assert) {
  const ctx = testContext(shortProfile())
  const startHead = await ctx.source.head()
  const error = await check.run(ctx).then(
    () => null,
    (e) => e
  )
  assert.instanceOf(
    error,
    ExpectationError,
    `the check passed although the behaviour is off: ${error}`
  )
  assert.equal(error.kind, 'timeout')
  assert.match(error.reason, cause)
  assert.isAtLeast(error.waitedMs, DEADLINE_MS)
  assert.isBelow(error.waitedMs, DEADLINE_MS + 1_500)
  // the failure is explained: Application status + events + pods of the target namespace
  const diagnostics = await ctx.diagnose()
  assert.include(diagnostics, `Application ${ctx.profile.argocdNamespace}/`)
  assert.include(diagnostics, 'pods:')
  // and nothing is left behind: same git head, no restore point
  assert.equal(await ctx.source.head(), startHead)
  assert.isNull(ctx.source.ledger.read())
  console.log(`      cause: ${error.message}`)
  return error as ExpectationError
}

test.group('Block 7 checks fail when the behaviour is absent', () => {
  test('self-heal fails when selfHeal is off (after observing the drift)', async ({ assert }) => {
    const t = currentProfile().gitops.selfHeal
    await withPolicy(t.app, { prune: true, selfHeal: false }, async () => {
      await expectFailure(selfHeal, new RegExp(`spec\\.replicas ${t.drift}.*selfHeal off`), assert)
      const r = await readRollout(testContext(currentProfile()).kube, t.workload)
      assert.equal(r.specReplicas, t.baseline, describeRollout(r))
    })
  })

  test('prune fails when prune is off', async ({ assert }) => {
    const t = currentProfile().gitops.prune
    await withPolicy(t.app, { prune: false, selfHeal: true }, async () => {
      await expectFailure(
        prune,
        new RegExp(`ConfigMap ${t.configMap} still in ${t.namespace}.*prune off`),
        assert
      )
    })
  })

  test('auto-sync fails when automated sync is off', async ({ assert }) => {
    const t = currentProfile().gitops.autoSync
    await withPolicy(t.app, null, async () => {
      await expectFailure(
        autoSync,
        new RegExp(`want ${t.changed} ready pods.*automated sync OFF`),
        assert
      )
    })
  })

  test('rollback fails when automated sync is off', async ({ assert }) => {
    const t = currentProfile().gitops.rollback
    await withPolicy(t.app, null, async () => {
      await expectFailure(rollback, /automated sync OFF/, assert)
    })
  })
})

test.group('clean state before each mutating check', () => {
  test('a restore point left by an interrupted run is applied before the next check', async ({
    assert,
  }) => {
    const ctx = testContext(currentProfile())
    const t = ctx.profile.gitops.autoSync
    const src = ctx.source
    const start = await src.head()
    // an "interrupted run": restore point written, a probe commit pushed, nothing restored
    src.ledger.write(start)
    const leftover = await src.commitValues(
      t.valuesFile,
      'conformance self-test: interrupted run',
      (doc) => doc.setIn(t.key, t.changed + 1)
    )
    assert.notEqual(leftover, start)
    try {
      await runGitOpsTest(ctx, { ...autoSync.test, when: async () => undefined })
      assert.equal(await src.head(), start)
      assert.isNull(src.ledger.read())
      const r = await readRollout(ctx.kube, t.workload)
      assert.equal(r.ready, t.baseline, describeRollout(r))
    } finally {
      await src.restore(start)
      src.ledger.clear()
    }
  })

  test('a source not at the baseline (and not left by the suite) is refused, naming the file', async ({
    assert,
  }) => {
    const ctx = testContext(currentProfile())
    const t = ctx.profile.gitops.autoSync
    const src = ctx.source
    const start = await src.head()
    await src.commitValues(t.valuesFile, 'conformance self-test: foreign change', (doc) =>
      doc.setIn(t.key, t.changed + 1)
    )
    try {
      const error = await runGitOpsTest(ctx, {
        ...autoSync.test,
        when: async () => undefined,
      }).then(
        () => null,
        (e: Error) => e
      )
      assert.instanceOf(error, Error)
      assert.include(
        error!.message,
        `${t.valuesFile} sets ${t.key.join('.')}=${t.changed + 1}, want ${t.baseline}`
      )
    } finally {
      await src.restore(start)
      await runGitOpsTest(ctx, { ...autoSync.test, when: async () => undefined })
    }
  })
})

test.group('diagnostics', () => {
  test('collects the Application, events and pods of the target', async ({ assert }) => {
    const ctx = testContext(currentProfile())
    const t = ctx.profile.gitops.autoSync
    const text = await collectDiagnostics(ctx.kube, {
      argocdNamespace: ctx.profile.argocdNamespace,
      app: t.app,
      namespace: t.workload.namespace,
    })
    assert.match(
      text,
      new RegExp(`Application ${ctx.profile.argocdNamespace}/${t.app}: sync Synced`)
    )
    assert.match(text, /events \(oldest first\):|events: none/)
    assert.match(text, /pods:\n {2}\S+ phase Running ready True/)
  })
})
