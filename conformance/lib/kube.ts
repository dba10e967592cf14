/*
 * Kubernetes API access for the checks: one KubeConfig per run (from the
 * profile), typed clients, and the small reads every check needs.
 */
import * as k8s from '@kubernetes/client-node'

export type Kube = {
  config: k8s.KubeConfig
  core: k8s.CoreV1Api
  apps: k8s.AppsV1Api
  custom: k8s.CustomObjectsApi
}

export function connect(kubeconfigPath: string | null, context?: string | null): Kube {
  const config = new k8s.KubeConfig()
  if (kubeconfigPath) config.loadFromFile(kubeconfigPath)
  else config.loadFromDefault()
  if (context) config.setCurrentContext(context)
  return {
    config,
    core: config.makeApiClient(k8s.CoreV1Api),
    apps: config.makeApiClient(k8s.AppsV1Api),
    custom: config.makeApiClient(k8s.CustomObjectsApi),
  }
}

export const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)

/** HTTP status of a client-node ApiException, if that is what it is */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code
  return typeof code === 'number' ? code : undefined
}

export function isNotFound(error: unknown) {
  return statusOf(error) === 404
}

/** Pods that count as "ready replicas": Ready condition true and not terminating. */
export function isReadyPod(pod: k8s.V1Pod) {
  if (pod.metadata?.deletionTimestamp) return false
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}

export function selectorOf(deployment: k8s.V1Deployment): string {
  const labels = deployment.spec?.selector?.matchLabels ?? {}
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}

export async function podsOf(
  kube: Kube,
  namespace: string,
  deploymentName: string
): Promise<k8s.V1Pod[]> {
  const deployment = await kube.apps.readNamespacedDeployment({ name: deploymentName, namespace })
  const list = await kube.core.listNamespacedPod({
    namespace,
    labelSelector: selectorOf(deployment),
  })
  return list.items
}
