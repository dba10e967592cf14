/*
 * The mutation target's Deployment as observed in the cluster, and the
 * outcome "it is at N ready replicas (with memory limit M)" for expect().
 */
import type { V1Pod } from '@kubernetes/client-node'
import { automatedOf, getApplication, statusLine, type Application } from './argocd.ts'
import { met, pending, type Outcome } from '../../scripts/lib/expect.ts'
import { isReadyPod, selectorOf, type Kube } from './kube.ts'

export type Rollout = {
  name: string
  namespace: string
  specReplicas: number
  ready: number
  live: number
  memoryLimits: string[]
}

function memoryLimitOf(pod: V1Pod): string {
  return pod.spec?.containers?.[0]?.resources?.limits?.memory ?? 'none'
}

export async function readRollout(kube: Kube, namespace: string, name: string): Promise<Rollout> {
  const deployment = await kube.apps.readNamespacedDeployment({ name, namespace })
  const pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: selectorOf(deployment) })).items.filter((p) => !p.metadata?.deletionTimestamp)
  const ready = pods.filter(isReadyPod)
  return {
    name,
    namespace,
    specReplicas: deployment.spec?.replicas ?? 1,
    ready: ready.length,
    live: pods.length,
    memoryLimits: pods.map(memoryLimitOf),
  }
}

export function describeRollout(r: Rollout): string {
  return `Deployment ${r.namespace}/${r.name}: spec.replicas ${r.specReplicas}, ${r.ready}/${r.live} pods ready, memory limits [${r.memoryLimits.join(', ')}]`
}

export type Want = { replicas: number; memoryLimit?: string }

export function describeWant(want: Want) {
  return `${want.replicas} ready pods${want.memoryLimit ? ` with memory limit ${want.memoryLimit}` : ''}`
}

/** met when exactly `replicas` live pods exist, all Ready (and all with the memory limit). */
export function rolloutOutcome(r: Rollout, want: Want): Outcome<Rollout> {
  const replicasOk = r.specReplicas === want.replicas && r.ready === want.replicas && r.live === want.replicas
  const memoryOk = !want.memoryLimit || r.memoryLimits.every((m) => m === want.memoryLimit)
  if (replicasOk && memoryOk) return met(r)
  return pending(`${describeRollout(r)}; want ${describeWant(want)}`)
}

/** Short account of the Application for pending reasons: what Argo CD thinks and whether it may act. */
export function appAccount(app: Application): string {
  const auto = automatedOf(app)
  const policy = auto.enabled ? `automated (prune ${auto.prune ? 'on' : 'off'}, selfHeal ${auto.selfHeal ? 'on' : 'off'})` : 'automated sync OFF'
  return `${statusLine(app)} · ${policy}`
}

export type Observed = { rollout: Rollout; app: Application }

/** One probe of target + Application: met when the rollout matches and (optionally) the app reached `revision`. */
export async function probeTarget(
  kube: Kube,
  argocdNamespace: string,
  appName: string,
  namespace: string,
  deployment: string,
  want: Want,
): Promise<Outcome<Observed>> {
  const [rollout, app] = await Promise.all([readRollout(kube, namespace, deployment), getApplication(kube, argocdNamespace, appName)])
  const outcome = rolloutOutcome(rollout, want)
  if (outcome.status === 'met') return met({ rollout, app })
  return pending(`${(outcome as { reason: string }).reason} · ${appAccount(app)}`)
}
