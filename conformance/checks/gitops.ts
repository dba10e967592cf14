/*
 * Block 7 of the roadmap, "Test GitOps Workflow", one check per test, written as the roadmap's
 * steps. The targets (Application, workload, values file, key, numbers) come from the profile's
 * table (conformance/profiles/<name>.yaml); the fixture (conformance/fixture/gitops.ts) ensures
 * the baseline first and restores git and cluster afterwards.
 */
import { gitopsCheck } from '../fixture/gitops.ts'
import { all, appAtRevision, configMap, podsExisted, rollout } from '../fixture/expectations.ts'

const reader = (t: { app: string; sourceApp?: string }) => t.sourceApp ?? t.app

/** Test 1: Auto-Sync — commit replicas 2 → 3, see 3 pods; git revert, see 2 pods again. */
export const autoSync = gitopsCheck({
  test: 'autoSync',
  name: 'auto-sync',
  baseline: (t) => ({
    values: [{ file: t.valuesFile, key: t.key, value: t.baseline }],
    cluster: rollout(t.workload, { replicas: t.baseline }, t.app),
  }),
  async when(fx, t) {
    const scaled = await fx.commitValue(
      t.valuesFile,
      t.key,
      t.changed,
      `test: scale ${t.app} to ${t.changed}`
    )
    await fx.sees(
      scaled,
      `commit replicas ${t.baseline}→${t.changed}`,
      all(
        rollout(t.workload, { replicas: t.changed }, t.app),
        appAtRevision(reader(t), scaled.sha!)
      )
    )
    const reverted = await fx.revert(scaled)
    await fx.sees(
      reverted,
      `git revert replicas ${t.changed}→${t.baseline}`,
      all(
        rollout(t.workload, { replicas: t.baseline }, t.app),
        appAtRevision(reader(t), reverted.sha!)
      )
    )
  },
})

/** Test 2: Self-Heal — kubectl scale to 5, see the drift (5 pods), see it healed to 2. */
export const selfHeal = gitopsCheck({
  test: 'selfHeal',
  name: 'self-heal',
  baseline: (t) => ({ cluster: rollout(t.workload, { replicas: t.baseline }, t.app) }),
  async when(fx, t) {
    await fx.lastSyncAtCurrentRevision(t.app)
    const scaled = await fx.scale(t.workload, t.drift)
    await fx.sees(
      scaled,
      `drift: ${t.drift} pods`,
      podsExisted(t.workload, t.drift, scaled.tally!),
      { argoCd: false }
    )
    await fx.sees(
      scaled,
      `manual scale ${t.drift}→${t.baseline} healed`,
      rollout(t.workload, { replicas: t.baseline }, t.app)
    )
  },
})

/**
 * Test 3: Prune — add ConfigMap test-config through git, see it; remove it from git, see it pruned.
 */
export const prune = gitopsCheck({
  test: 'prune',
  name: 'prune',
  baseline: (t) => ({
    absentFiles: [t.manifest],
    cluster: configMap(t.namespace, t.configMap).absent(),
  }),
  async when(fx, t) {
    const cm = configMap(t.namespace, t.configMap, t.app)
    fx.onRestore(() => deleteIfPresent(fx.ctx, t.namespace, t.configMap))
    const added = await fx.commitFile(
      t.manifest,
      testConfigManifest(t.namespace, t.configMap),
      `test: add ConfigMap ${t.configMap}`
    )
    await fx.sees(
      added,
      `commit ConfigMap ${t.configMap} → created`,
      all(cm.present(), appAtRevision(reader(t), added.sha!))
    )
    const removed = await fx.removeFile(t.manifest, `test: remove ConfigMap ${t.configMap}`)
    await fx.sees(
      removed,
      `remove ConfigMap ${t.configMap} in git → pruned`,
      all(cm.absent(), appAtRevision(reader(t), removed.sha!))
    )
  },
})

/**
 * Test 4: Rollback — commit memory limit 256Mi → 128Mi, see it on the pod; git revert, see 256Mi.
 */
export const rollback = gitopsCheck({
  test: 'rollback',
  name: 'rollback',
  baseline: (t) => ({
    values: [{ file: t.valuesFile, key: t.key, value: t.baseline }],
    cluster: rollout(t.workload, { memoryLimit: t.baseline, pod: t.pod }, t.app),
  }),
  async when(fx, t) {
    const lowered = await fx.commitValue(
      t.valuesFile,
      t.key,
      t.changed,
      `test: ${t.app} memory limit ${t.baseline} → ${t.changed}`
    )
    await fx.sees(
      lowered,
      `commit memory ${t.baseline}→${t.changed}`,
      all(
        rollout(t.workload, { memoryLimit: t.changed, pod: t.pod }, t.app),
        appAtRevision(reader(t), lowered.sha!)
      )
    )
    const reverted = await fx.revert(lowered)
    await fx.sees(
      reverted,
      `git revert memory ${t.changed}→${t.baseline}`,
      all(
        rollout(t.workload, { memoryLimit: t.baseline, pod: t.pod }, t.app),
        appAtRevision(reader(t), reverted.sha!)
      )
    )
  },
})

export const gitopsChecks = [autoSync, selfHeal, prune, rollback]

function testConfigManifest(namespace: string, name: string) {
  return [
    '# Written by the conformance suite (Block 7, Test 3: prune); removed again by the same check.',
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

async function deleteIfPresent(
  ctx: import('../fixture/context.ts').CheckContext,
  namespace: string,
  name: string
) {
  if (!(await configMap(namespace, name).read(ctx))) return
  ctx.log(`deleting ConfigMap ${namespace}/${name} by hand (Argo CD did not prune it)`)
  await ctx.kube.core.deleteNamespacedConfigMap({ name, namespace })
}
