/*
 * Block 7's GitOps behaviours, as functions shared by the suite's checks
 * (conformance/checks/*.spec.ts) and its self-tests (conformance/self/),
 * which run the same code against an Application with the behaviour off.
 *
 * Every behaviour: ensure a clean baseline first, act (commit / scale),
 * observe convergence with expect(), and restore git + cluster in `finally`.
 */
import { getApplication, operationInFlight, requestRefresh, requestSync } from '../lib/argocd.ts'
import type { CheckContext } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { describeError, expect, failed, met, pending, type Observation } from '../../scripts/lib/expect.ts'
import { isNotFound, mergePatch } from '../lib/kube.ts'
import { appAccount, probeTarget, readRollout, type Observed, type Want } from '../lib/rollout.ts'
import { valueAt } from '../lib/source.ts'
import { kube, source } from '../lib/world.ts'
import { parseDocument } from 'yaml'

export type BehaviourOptions = {
  /** deadline for each convergence (default: the profile's) */
  deadlineMs?: number
}


function explain(ctx: CheckContext) {
  const { profile } = ctx
  ctx.explainWith(() =>
    collectDiagnostics(kube(), { argocdNamespace: profile.argocdNamespace, app: profile.target.app, namespace: profile.target.namespace }),
  )
}

function baselineWant(ctx: CheckContext): Want {
  return { replicas: ctx.profile.baseline.replicas, memoryLimit: ctx.profile.baseline.memoryLimit }
}

function expectTarget(ctx: CheckContext, what: string, want: Want, revision?: string) {
  const { profile } = ctx
  const t = profile.target
  return expect<Observed>(what, async () => {
    const outcome = await probeTarget(kube(), profile.argocdNamespace, t.app, t.namespace, t.deployment, want)
    if (outcome.status !== 'met' || !revision) return outcome
    const app = outcome.value.app
    if (app.status?.sync?.revision !== revision) return pending(`rollout matches but Application ${t.app} is not yet at ${revision.slice(0, 7)} · ${appAccount(app)}`)
    return outcome
  })
}

/**
 * When Argo CD considered the change done: its sync operation started by our
 * action Succeeded and the app's health settled (later of operationState.finishedAt
 * and health.lastTransitionTime; Argo CD writes both with 1 s resolution).
 * Waited for briefly after our own observation, which may come first.
 */
async function argoDoneAt(ctx: CheckContext, actionAt: number): Promise<number | null> {
  const { profile } = ctx
  try {
    return await expect(`Argo CD reports the sync after ${new Date(actionAt).toISOString()} done`, async () => {
      const app = await getApplication(kube(), profile.argocdNamespace, profile.target.app)
      const op = app.status?.operationState
      const started = op?.startedAt ? Date.parse(op.startedAt) : 0
      if (!op || started < actionAt - 1000) return pending('no sync operation since the action')
      if (op.phase !== 'Succeeded' || !op.finishedAt) return pending(`sync operation ${op.phase}`)
      if (app.status?.health?.status !== 'Healthy') return pending(`health ${app.status?.health?.status}`)
      const healthAt = app.status.health?.lastTransitionTime ? Date.parse(app.status.health.lastTransitionTime) : 0
      return met(Math.max(Date.parse(op.finishedAt), healthAt || 0))
    }).within(15_000)
  } catch (error) {
    ctx.log(`no Argo CD completion time: ${describeError(error)}`)
    return null
  }
}

/** Record action→observed and Argo-done→observed (negative: the suite saw it before Argo CD said so). */
async function recordConvergence(ctx: CheckContext, label: string, actionAt: number, observation: Observation<unknown>) {
  const done = await argoDoneAt(ctx, actionAt)
  ctx.converged({
    label,
    actionToObservedMs: observation.observedAt - actionAt,
    argoToObservedMs: done === null ? null : observation.observedAt - done,
  })
}

async function refresh(ctx: CheckContext) {
  await requestRefresh(kube(), ctx.profile.argocdNamespace, ctx.profile.target.app)
}

/**
 * A clean state, ensured (not hoped for): a restore point left by an
 * interrupted run is applied first; the source must hold the roadmap baseline;
 * the cluster must have converged to it.
 */
export async function ensureBaseline(ctx: CheckContext) {
  const { profile } = ctx
  const src = source()
  const leftover = src.ledger.read()
  if (leftover) {
    ctx.log(`restoring the source to ${leftover.slice(0, 7)} (restore point left by an interrupted run)`)
    await src.restore(leftover)
    src.ledger.clear()
    await refresh(ctx)
  }
  await src.head() // syncs the working clone with the branch
  const values = src.read(profile.target.valuesFile)
  if (values === null) throw new Error(`the source repository has no ${profile.target.valuesFile} (the ${profile.name} profile's values of ${profile.target.app})`)
  const doc = parseDocument(values)
  const replicas = valueAt(doc, profile.target.replicasKey)
  if (replicas !== undefined && replicas !== profile.baseline.replicas) {
    throw new Error(`source not at the roadmap baseline: ${profile.target.valuesFile} sets ${profile.target.replicasKey.join('.')}=${replicas}, want ${profile.baseline.replicas} (not left by this suite: fix it in git)`)
  }
  const memory = valueAt(doc, profile.target.memoryLimitKey)
  if (memory !== undefined && memory !== profile.baseline.memoryLimit) {
    throw new Error(`source not at the roadmap baseline: ${profile.target.valuesFile} sets ${profile.target.memoryLimitKey.join('.')}=${memory}, want ${profile.baseline.memoryLimit}`)
  }
  if (src.read(profile.target.pruneManifest) !== null) {
    throw new Error(`source not at the baseline: ${profile.target.pruneManifest} exists (the prune check's probe; remove it in git)`)
  }
  const head = await src.head()
  await expectTarget(ctx, `baseline: ${profile.target.app} Synced at the source head with ${profile.baseline.replicas} ready pods`, baselineWant(ctx), head).within(profile.deadlines.baselineMs)
  // Argo CD auto-syncs any OutOfSync app whose last sync was to another revision, selfHeal or
  // not. After a restore moved the branch, the last sync is to an older commit: sync to the head
  // explicitly, so that what a check observes next can only come from the behaviour under test.
  const app = await getApplication(kube(), profile.argocdNamespace, profile.target.app)
  if (app.status?.operationState?.syncResult?.revision !== head) {
    await expect(`baseline: no operation in flight on ${profile.target.app}`, async () => {
      const a = await getApplication(kube(), profile.argocdNamespace, profile.target.app)
      return operationInFlight(a) ? pending(`operation ${a.status?.operationState?.phase ?? 'requested'}`) : met()
    }).within(profile.deadlines.baselineMs)
    ctx.log(`syncing ${profile.target.app} to the head ${head.slice(0, 7)} (its last sync was to ${app.status?.operationState?.syncResult?.revision?.slice(0, 7) ?? 'nothing'})`)
    await requestSync(kube(), profile.argocdNamespace, profile.target.app, head)
    await expect(`baseline: ${profile.target.app} last synced at the head ${head.slice(0, 7)}`, async () => {
      const a = await getApplication(kube(), profile.argocdNamespace, profile.target.app)
      const op = a.status?.operationState
      if (operationInFlight(a) || op?.syncResult?.revision !== head) return pending(`last sync ${op?.phase ?? 'none'} at ${op?.syncResult?.revision?.slice(0, 7) ?? '?'}`)
      if (op.phase !== 'Succeeded') return failed(`sync to the head ${op.phase}: ${op.message ?? ''}`)
      return met()
    }).within(profile.deadlines.baselineMs)
    // The controller must have compared the app once more after that sync finished: until then
    // its cached copy may still show the older sync, and a change made now would be auto-synced
    // (seen as a flaky pass of "self-heal" with selfHeal off). Timestamps have 1 s resolution.
    await expect(`baseline: ${profile.target.app} reconciled after the sync to the head`, async () => {
      const a = await getApplication(kube(), profile.argocdNamespace, profile.target.app)
      const finished = Date.parse(a.status?.operationState?.finishedAt ?? '')
      const reconciled = Date.parse(a.status?.reconciledAt ?? '')
      if (!(reconciled > finished)) return pending(`last reconciled ${a.status?.reconciledAt ?? 'never'}, sync finished ${a.status?.operationState?.finishedAt ?? '?'}`)
      return a.status?.sync?.status === 'Synced' ? met() : pending(`${profile.target.app} is ${a.status?.sync?.status} after the sync to the head`)
    }).within(profile.deadlines.baselineMs)
  }
}

/**
 * Runs `body` with the source's branch recorded; whatever happens, the branch
 * goes back to that revision and the cluster back to the baseline.
 */
async function withSourceRestored(ctx: CheckContext, body: () => Promise<void>, restoreCluster?: () => Promise<void>) {
  const src = source()
  const start = await src.head()
  src.ledger.write(start)
  let failure: unknown
  try {
    await body()
  } catch (error) {
    failure = error
    throw error
  } finally {
    try {
      if ((await src.head()) !== start) {
        ctx.log(`restoring the source to ${start.slice(0, 7)}`)
        await src.restore(start)
        await refresh(ctx)
      }
      src.ledger.clear()
      await restoreCluster?.()
      await expectTarget(ctx, `restore: ${ctx.profile.target.app} back at the baseline`, baselineWant(ctx), start).within(ctx.profile.deadlines.restoreMs)
    } catch (restoreError) {
      // a failing check keeps its own cause; a passing one fails on a broken restore
      if (failure === undefined) throw restoreError
      ctx.log(`restore incomplete: ${describeError(restoreError)}`)
    }
  }
}

/** auto-sync: commit replicas 2→3, observe 3 ready pods, revert the commit, observe 2. */
export async function autoSync(ctx: CheckContext, options: BehaviourOptions = {}) {
  const { profile } = ctx
  const deadline = options.deadlineMs ?? profile.deadlines.convergenceMs
  const t = profile.target
  const up = profile.baseline.replicas + 1
  explain(ctx)
  await ensureBaseline(ctx)
  await withSourceRestored(ctx, async () => {
    const commitAt = Date.now()
    const sha = await source().commitValues(t.valuesFile, `conformance: auto-sync probe, ${t.app} replicas ${profile.baseline.replicas}→${up}`, (doc) => doc.setIn(t.replicasKey, up))
    await refresh(ctx)
    ctx.log(`committed ${sha.slice(0, 7)}: ${t.replicasKey.join('.')}=${up} in ${t.valuesFile}`)
    const scaledUp = await expectTarget(ctx, `auto-sync: ${up} ready pods after commit ${sha.slice(0, 7)}`, { replicas: up }, sha).observe(deadline)
    await recordConvergence(ctx, `commit replicas ${profile.baseline.replicas}→${up}`, commitAt, scaledUp)
    const revertAt = Date.now()
    const reverted = await source().revert(sha)
    await refresh(ctx)
    ctx.log(`reverted as ${reverted.slice(0, 7)}`)
    const back = await expectTarget(ctx, `auto-sync: ${profile.baseline.replicas} ready pods after revert ${reverted.slice(0, 7)}`, { replicas: profile.baseline.replicas }, reverted).observe(deadline)
    await recordConvergence(ctx, `revert replicas ${up}→${profile.baseline.replicas}`, revertAt, back)
  })
}

/** self-heal: scale the Deployment to 5 by hand, observe Argo CD put it back to the baseline. */
export async function selfHeal(ctx: CheckContext, options: BehaviourOptions = {}) {
  const { profile } = ctx
  const deadline = options.deadlineMs ?? profile.deadlines.convergenceMs
  const t = profile.target
  explain(ctx)
  await ensureBaseline(ctx)
  const scaleTo = async (replicas: number) => {
    await kube().apps.patchNamespacedDeploymentScale(
      { name: t.deployment, namespace: t.namespace, body: { spec: { replicas } } },
      mergePatch,
    )
  }
  await withSourceRestored(
    ctx,
    async () => {
      const scaleAt = Date.now()
      await scaleTo(5)
      ctx.log(`scaled ${t.namespace}/${t.deployment} to 5 by hand`)
      const healed = await expectTarget(ctx, `self-heal: Argo CD puts ${t.deployment} back to ${profile.baseline.replicas}`, baselineWant(ctx)).observe(deadline)
      await recordConvergence(ctx, `manual scale 5→${profile.baseline.replicas}`, scaleAt, healed)
    },
    async () => {
      const r = await readRollout(kube(), t.namespace, t.deployment)
      if (r.specReplicas !== profile.baseline.replicas) {
        ctx.log(`scaling ${t.deployment} back to ${profile.baseline.replicas} by hand (Argo CD did not)`)
        await scaleTo(profile.baseline.replicas)
      }
    },
  )
}

function pruneManifest(name: string, namespace: string) {
  return [
    '# Written by the conformance suite (prune check); removed again by the same check.',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    '  labels:',
    '    app.kubernetes.io/part-of: agent-ready-k8s',
    '    agent-ready-k8s/conformance-probe: prune',
    'data:',
    '  purpose: "prune probe"',
    '',
  ].join('\n')
}

/** prune: commit a ConfigMap, observe it, remove it in git, observe it gone. */
export async function prune(ctx: CheckContext, options: BehaviourOptions = {}) {
  const { profile } = ctx
  const deadline = options.deadlineMs ?? profile.deadlines.convergenceMs
  const t = profile.target
  explain(ctx)
  await ensureBaseline(ctx)
  const readConfigMap = async () => {
    try {
      return await kube().core.readNamespacedConfigMap({ name: t.pruneConfigMap, namespace: t.namespace })
    } catch (error) {
      if (isNotFound(error)) return null
      throw error
    }
  }
  await withSourceRestored(
    ctx,
    async () => {
      const addAt = Date.now()
      const added = await source().commitFiles({ [t.pruneManifest]: pruneManifest(t.pruneConfigMap, t.namespace) }, `conformance: prune probe, add ConfigMap ${t.pruneConfigMap}`)
      await refresh(ctx)
      ctx.log(`committed ${added.slice(0, 7)}: ${t.pruneManifest}`)
      const appeared = await expect(`prune: ConfigMap ${t.namespace}/${t.pruneConfigMap} created from commit ${added.slice(0, 7)}`, async () => {
        const [cm, app] = await Promise.all([readConfigMap(), getApplication(kube(), profile.argocdNamespace, t.app)])
        if (!cm) return pending(`ConfigMap ${t.pruneConfigMap} not in ${t.namespace} yet · ${appAccount(app)}`)
        return met({ rollout: await readRollout(kube(), t.namespace, t.deployment), app })
      }).observe(deadline)
      await recordConvergence(ctx, `commit ConfigMap → created`, addAt, appeared)
      const removeAt = Date.now()
      const removed = await source().commitFiles({ [t.pruneManifest]: null }, `conformance: prune probe, remove ConfigMap ${t.pruneConfigMap}`)
      await refresh(ctx)
      ctx.log(`committed ${removed.slice(0, 7)}: removed ${t.pruneManifest}`)
      const gone = await expect(`prune: ConfigMap ${t.namespace}/${t.pruneConfigMap} deleted after commit ${removed.slice(0, 7)}`, async () => {
        const [cm, app] = await Promise.all([readConfigMap(), getApplication(kube(), profile.argocdNamespace, t.app)])
        if (cm) return pending(`ConfigMap ${t.pruneConfigMap} still in ${t.namespace} after its removal from git · ${appAccount(app)}`)
        return met({ rollout: await readRollout(kube(), t.namespace, t.deployment), app })
      }).observe(deadline)
      await recordConvergence(ctx, `remove ConfigMap in git → pruned`, removeAt, gone)
    },
    async () => {
      if (await readConfigMap()) {
        ctx.log(`deleting ConfigMap ${t.pruneConfigMap} by hand (Argo CD did not prune it)`)
        await kube().core.deleteNamespacedConfigMap({ name: t.pruneConfigMap, namespace: t.namespace })
        await expect(`restore: ConfigMap ${t.pruneConfigMap} deleted`, async () => ((await readConfigMap()) ? pending('still present') : met())).within(profile.deadlines.restoreMs)
      }
    },
  )
}

/** rollback: commit memory limit 256Mi→128Mi, observe it on the pods, `git revert`, observe 256Mi. */
export async function rollback(ctx: CheckContext, options: BehaviourOptions = {}) {
  const { profile } = ctx
  const deadline = options.deadlineMs ?? profile.deadlines.convergenceMs
  const t = profile.target
  const lowered = '128Mi'
  explain(ctx)
  await ensureBaseline(ctx)
  await withSourceRestored(ctx, async () => {
    const commitAt = Date.now()
    const sha = await source().commitValues(t.valuesFile, `conformance: rollback probe, ${t.app} memory limit ${profile.baseline.memoryLimit}→${lowered}`, (doc) =>
      doc.setIn(t.memoryLimitKey, lowered),
    )
    await refresh(ctx)
    ctx.log(`committed ${sha.slice(0, 7)}: ${t.memoryLimitKey.join('.')}=${lowered}`)
    const lowObserved = await expectTarget(ctx, `rollback: pods with memory limit ${lowered} after commit ${sha.slice(0, 7)}`, { replicas: profile.baseline.replicas, memoryLimit: lowered }, sha).observe(deadline)
    await recordConvergence(ctx, `commit memory ${profile.baseline.memoryLimit}→${lowered}`, commitAt, lowObserved)
    const revertAt = Date.now()
    const reverted = await source().revert(sha)
    await refresh(ctx)
    ctx.log(`git revert → ${reverted.slice(0, 7)}`)
    const back = await expectTarget(ctx, `rollback: pods with memory limit ${profile.baseline.memoryLimit} after revert ${reverted.slice(0, 7)}`, baselineWant(ctx), reverted).observe(deadline)
    await recordConvergence(ctx, `git revert memory ${lowered}→${profile.baseline.memoryLimit}`, revertAt, back)
  })
}
