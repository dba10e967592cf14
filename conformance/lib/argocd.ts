/*
 * Argo CD Applications/AppProjects as the checks read them, plus the two
 * nudges the suite gives Argo CD: a refresh after a commit (what a git
 * webhook does; otherwise Argo CD polls every 3 min) and spec toggles used
 * by the self-tests.
 */
import type { Kube } from './kube.ts'
import { mergePatch } from './kube.ts'

export const GROUP = 'argoproj.io'
export const VERSION = 'v1alpha1'

export type SyncPolicy = {
  automated?: { prune?: boolean; selfHeal?: boolean; enabled?: boolean } | null
}
export type Application = {
  metadata: {
    name: string
    namespace: string
    ownerReferences?: { kind: string; name: string }[]
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec: {
    project: string
    source?: {
      repoURL: string
      path?: string
      targetRevision?: string
      chart?: string
      helm?: unknown
    }
    sources?: { repoURL: string; path?: string; targetRevision?: string; chart?: string }[]
    destination: { server?: string; name?: string; namespace?: string }
    syncPolicy?: SyncPolicy
  }
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] }
    health?: { status?: string; message?: string; lastTransitionTime?: string }
    conditions?: { type: string; message: string; lastTransitionTime?: string }[]
    operationState?: {
      phase?: string
      message?: string
      startedAt?: string
      finishedAt?: string
      syncResult?: {
        revision?: string
        resources?: {
          kind: string
          name: string
          namespace?: string
          status?: string
          message?: string
          hookPhase?: string
        }[]
      }
      operation?: { sync?: { revision?: string } }
    }
    reconciledAt?: string
    resources?: {
      kind: string
      name: string
      namespace?: string
      status?: string
      health?: { status?: string; message?: string }
    }[]
  }
}

export type AppProject = {
  metadata: { name: string }
  spec: {
    sourceRepos?: string[]
    destinations?: { server?: string; name?: string; namespace?: string }[]
    clusterResourceWhitelist?: { group: string; kind: string }[]
    namespaceResourceWhitelist?: { group: string; kind: string }[]
    namespaceResourceBlacklist?: { group: string; kind: string }[]
    clusterResourceBlacklist?: { group: string; kind: string }[]
  }
}

export async function getApplication(
  kube: Kube,
  namespace: string,
  name: string
): Promise<Application> {
  return (await kube.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: 'applications',
    name,
  })) as Application
}

export async function listApplications(kube: Kube, namespace: string): Promise<Application[]> {
  const list = (await kube.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: 'applications',
  })) as { items: Application[] }
  return list.items
}

export async function listProjects(kube: Kube, namespace: string): Promise<AppProject[]> {
  const list = (await kube.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: 'appprojects',
  })) as { items: AppProject[] }
  return list.items
}

export async function patchApplication(
  kube: Kube,
  namespace: string,
  name: string,
  body: unknown
): Promise<Application> {
  return (await kube.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: 'applications', name, body },
    mergePatch
  )) as Application
}

/**
 * Ask Argo CD to re-read git now (the annotation a git webhook/`argocd app get --refresh` sets).
 */
export async function requestRefresh(kube: Kube, namespace: string, name: string) {
  await patchApplication(kube, namespace, name, {
    metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } },
  })
}

/**
 * Start a sync operation to `revision`, as `argocd app sync` does: write the
 * Application's operation field; the controller runs it.
 */
export async function requestSync(kube: Kube, namespace: string, name: string, revision: string) {
  await patchApplication(kube, namespace, name, {
    operation: {
      initiatedBy: { username: 'conformance-suite' },
      sync: { revision, syncStrategy: { hook: {} } },
    },
  })
}

/** An operation is requested or running: the app's spec/status may still change under us. */
export function operationInFlight(app: Application): boolean {
  return (
    !!(app as { operation?: unknown }).operation ||
    app.status?.operationState?.phase === 'Running' ||
    app.status?.operationState?.phase === 'Terminating'
  )
}

export function automatedOf(app: Application) {
  const automated = app.spec.syncPolicy?.automated
  const enabled = !!automated && automated.enabled !== false
  return {
    enabled,
    prune: enabled && !!automated?.prune,
    selfHeal: enabled && !!automated?.selfHeal,
  }
}

/** Short status line: "Synced/Healthy rev abc1234 · op Succeeded" */
export function statusLine(app: Application): string {
  const s = app.status ?? {}
  const rev = (s.sync?.revision ?? '').slice(0, 7) || '?'
  const op = s.operationState
    ? ` · last sync ${s.operationState.phase ?? '?'}` +
      (s.operationState.message ? `: ${s.operationState.message}` : '')
    : ''
  const cond = (s.conditions ?? []).map((c) => ` · ${c.type}: ${c.message}`).join('')
  return (
    `${app.metadata.name} ${s.sync?.status ?? 'Unknown'}/${s.health?.status ?? 'Unknown'} ` +
    `at ${rev}${op}${cond}`
  )
}
