/*
 * Proof that the GitOps checks can fail: with the behaviour switched off in
 * the Application's spec, each check must fail within its deadline, with a
 * one-line cause naming what did not happen, and still leave git and the
 * cluster at the baseline. Runs against the real local cluster.
 */
import { test } from '@japa/runner'
import { getApplication, operationInFlight, patchApplication, type SyncPolicy } from '../lib/argocd.ts'
import type { CheckContext } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { ExpectationError, expect, met, pending } from '../../scripts/lib/expect.ts'
import { activeProfile } from '../lib/profile.ts'
import { describeRollout, readRollout } from '../lib/rollout.ts'
import { kube, source } from '../lib/world.ts'
import { autoSync, ensureBaseline, prune, rollback, selfHeal, type BehaviourOptions } from '../checks/gitops-behaviour.ts'

const DEADLINE_MS = 20_000

function context(): CheckContext & { diagnose: () => Promise<string> } {
  const explainers: (() => Promise<string>)[] = []
  return {
    profile: activeProfile(),
    log: (m) => process.stdout.write(`      · ${m}\n`),
    converged: () => undefined,
    explainWith: (d) => explainers.push(d),
    diagnose: async () => (await Promise.all(explainers.map((d) => d()))).join('\n'),
  }
}

type Automated = NonNullable<SyncPolicy['automated']>

/**
 * Switch part of the target app's automated policy off. The root app would
 * self-heal the child's spec straight back, so its own automation is paused
 * too; both are restored exactly in `finally`.
 */
async function withPolicy(automated: Automated | null, body: () => Promise<void>) {
  const profile = activeProfile()
  const ns = profile.argocdNamespace
  const quiet = (name: string) =>
    expect(`no operation in flight on ${name}`, async () => {
      const a = await getApplication(kube(), ns, name)
      return operationInFlight(a) ? pending(`${name}: operation ${a.status?.operationState?.phase ?? 'requested'}`) : met(a)
    }).within(60_000)
  const policyIs = (name: string, want: Automated | null) =>
    expect(`${name} has automated=${JSON.stringify(want)}`, async () => {
      const a = await getApplication(kube(), ns, name)
      const got = a.spec.syncPolicy?.automated ?? null
      return JSON.stringify(got) === JSON.stringify(want) ? met() : pending(`${name} automated is ${JSON.stringify(got)}`)
    }).within(30_000)
  const root = await quiet(profile.rootApp)
  const app = await getApplication(kube(), ns, profile.target.app)
  const rootAutomated = root.spec.syncPolicy?.automated ?? null
  const appAutomated = app.spec.syncPolicy?.automated ?? null
  try {
    await patchApplication(kube(), ns, profile.rootApp, { spec: { syncPolicy: { automated: null } } })
    await policyIs(profile.rootApp, null)
    await quiet(profile.rootApp) // a sync the root started before the pause would re-apply the child's spec
    await patchApplication(kube(), ns, profile.target.app, { spec: { syncPolicy: { automated } } })
    await policyIs(profile.target.app, automated)
    await body()
  } finally {
    await patchApplication(kube(), ns, profile.target.app, { spec: { syncPolicy: { automated: appAutomated } } })
    await patchApplication(kube(), ns, profile.rootApp, { spec: { syncPolicy: { automated: rootAutomated } } })
    await expect(`root app ${profile.rootApp} Synced and idle again`, async () => {
      const r = await getApplication(kube(), ns, profile.rootApp)
      if (operationInFlight(r)) return pending('root has an operation in flight')
      return r.status?.sync?.status === 'Synced' ? met() : pending(`root is ${r.status?.sync?.status}`)
    }).within(60_000)
    await policyIs(profile.target.app, appAutomated)
  }
}

async function expectFailure(
  run: (ctx: CheckContext, options: BehaviourOptions) => Promise<void>,
  cause: RegExp,
  assert: { instanceOf: Function; equal: Function; match: Function; isAtLeast: Function; isBelow: Function; include: Function },
) {
  const profile = activeProfile()
  const startHead = await source().head()
  const ctx = context()
  const error = await run(ctx, { deadlineMs: DEADLINE_MS }).then(
    () => null,
    (e) => e,
  )
  assert.instanceOf(error, ExpectationError, `the check passed although the behaviour is off: ${error}`)
  assert.equal(error.kind, 'timeout')
  assert.match(error.reason, cause)
  assert.isAtLeast(error.waitedMs, DEADLINE_MS)
  assert.isBelow(error.waitedMs, DEADLINE_MS + 1_500)
  // the failure is explained: Application status + events + pods of the target namespace
  const diagnostics = await ctx.diagnose()
  assert.include(diagnostics, `Application ${profile.argocdNamespace}/${profile.target.app}`)
  assert.include(diagnostics, 'pods:')
  // and nothing is left behind: same git head, cluster at the baseline
  assert.equal(await source().head(), startHead)
  assert.equal(source().ledger.read(), null)
  const r = await readRollout(kube(), profile.target.namespace, profile.target.deployment)
  assert.equal(r.specReplicas, profile.baseline.replicas, describeRollout(r))
  return error as ExpectationError
}

test.group('GitOps checks fail when the behaviour is absent', () => {
  test('self-heal check fails when selfHeal is off', async ({ assert }) => {
    await withPolicy({ prune: true, selfHeal: false }, async () => {
      const error = await expectFailure(selfHeal, /spec\.replicas 5.*selfHeal off/, assert)
      console.log(`      cause: ${error.message}`)
    })
  })

  test('prune check fails when prune is off', async ({ assert }) => {
    await withPolicy({ prune: false, selfHeal: true }, async () => {
      const error = await expectFailure(prune, /ConfigMap conformance-prune-probe still in .* after its removal from git.*prune off/, assert)
      console.log(`      cause: ${error.message}`)
    })
  })

  test('auto-sync check fails when automated sync is off', async ({ assert }) => {
    await withPolicy(null, async () => {
      const error = await expectFailure(autoSync, /want 3 ready pods.*OutOfSync.*automated sync OFF/, assert)
      console.log(`      cause: ${error.message}`)
    })
  })

  test('rollback check fails when automated sync is off', async ({ assert }) => {
    await withPolicy(null, async () => {
      const error = await expectFailure(rollback, /want 2 ready pods with memory limit 128Mi.*automated sync OFF/, assert)
      console.log(`      cause: ${error.message}`)
    })
  })
})

test.group('clean state before each mutating check', () => {
  test('a restore point left by an interrupted run is applied before the next check', async ({ assert }) => {
    const profile = activeProfile()
    const src = source()
    const start = await src.head()
    // an "interrupted run": restore point written, a probe commit pushed, nothing restored
    src.ledger.write(start)
    const leftover = await src.commitValues(profile.target.valuesFile, 'conformance self-test: interrupted run', (doc) => doc.setIn(profile.target.replicasKey, 4))
    assert.notEqual(leftover, start)
    try {
      await ensureBaseline(context())
      assert.equal(await src.head(), start)
      assert.isNull(src.ledger.read())
      const r = await readRollout(kube(), profile.target.namespace, profile.target.deployment)
      assert.equal(r.ready, profile.baseline.replicas, describeRollout(r))
    } finally {
      await src.restore(start)
      src.ledger.clear()
    }
  })

  test('a source not at the baseline (and not left by the suite) is refused, naming the file', async ({ assert }) => {
    const profile = activeProfile()
    const src = source()
    const start = await src.head()
    await src.commitValues(profile.target.valuesFile, 'conformance self-test: foreign change', (doc) => doc.setIn(profile.target.replicasKey, 4))
    try {
      const error = await ensureBaseline(context()).then(
        () => null,
        (e: Error) => e,
      )
      assert.instanceOf(error, Error)
      assert.include(error!.message, `${profile.target.valuesFile} sets replicaCount=4, want 2`)
    } finally {
      await src.restore(start)
      await ensureBaseline(context())
    }
  })
})

test.group('diagnostics', () => {
  test('collects the Application, events and pods of the target', async ({ assert }) => {
    const profile = activeProfile()
    const text = await collectDiagnostics(kube(), { argocdNamespace: profile.argocdNamespace, app: profile.target.app, namespace: profile.target.namespace })
    assert.match(text, new RegExp(`Application ${profile.argocdNamespace}/${profile.target.app}: sync Synced`))
    assert.include(text, 'last sync: Succeeded')
    assert.match(text, /events \(oldest first\):|events: none/)
    assert.match(text, /pods:\n {2}\S+ phase Running ready True/)
  })
})
