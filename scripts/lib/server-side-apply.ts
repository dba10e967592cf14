/*
 * The ONE way scripts write objects to a cluster: server-side apply (idempotent, so every
 * bring-up step can be re-run), Namespaces and CRDs first, an error naming the object.
 */
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node'

export function kubeConfigFrom(kubeconfig: string): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfig)
  return kc
}

const rank = (o: KubernetesObject) =>
  o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2

export async function serverSideApply(
  kubeconfig: string | KubeConfig,
  objects: KubernetesObject[],
  fieldManager = 'agent-ready-k8s'
): Promise<void> {
  const kc = typeof kubeconfig === 'string' ? kubeConfigFrom(kubeconfig) : kubeconfig
  const client = KubernetesObjectApi.makeApiClient(kc)
  for (const obj of [...objects].sort((a, b) => rank(a) - rank(b))) {
    try {
      await client.patch(
        obj,
        undefined,
        undefined,
        fieldManager,
        true,
        PatchStrategy.ServerSideApply
      )
    } catch (e) {
      const body = (e as { body?: unknown }).body
      const cause = typeof body === 'string' ? body : (e as Error).message
      throw new Error(
        `applying ${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}: ${cause}`
      )
    }
  }
}
