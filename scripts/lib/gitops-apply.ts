/*
 * The GitOps steps shared by the kind and the local cluster.
 *
 *   applyGitops({ kubeconfig, repoURL, revision, profile })  -> Promise<void>
 *       server-side applies appProjects(repoURL), then gitops/bootstrap/root-app.yaml with THE one
 *       source setting (repoURL + targetRevision) and the profile parameter replaced.
 *   appProjects(repoURL, root?)                              -> AppProject objects
 *       gitops/projects/*.yaml with the placeholder SOURCE_REPO_PLACEHOLDER in sourceRepos replaced
 *       by the configured repoURL, so each project names exactly the repository Argo CD reads.
 *   expectedApplications(profile)                            -> string[]
 *       "root" + the apps gitops/apps/values.yaml lists for that profile
 *   waitForApplications({ kubeconfig, names, timeoutMs, onProgress?, signal? })
 *                                                            -> Promise<AppStatus[]>
 *       waits (the expectation helper, polls ≤ 1 s apart) until each named Application is Synced
 *       and Healthy; prints a line whenever a status changes; on timeout throws with each unready
 *       app's conditions. An error condition (ComparisonError, InvalidSpecError, ...) that
 *       persists for `errorGraceMs` (default 45 s) fails at once instead of waiting for the
 *       deadline.
 *   applicationStatuses(kubeconfig)                          -> Promise<AppStatus[]>
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node'
import { parse, parseAllDocuments } from 'yaml'
import { expect, failed, met, pending, type ExpectationError, type Outcome } from './expect.ts'
import { repoRoot } from './local-state.ts'
import { kubeConfigFrom, serverSideApply } from './server-side-apply.ts'

export const argocdNamespace = 'argocd'

export type AppStatus = {
  name: string
  sync: string
  health: string
  /** last operation phase (Running, Succeeded, Failed, ...) */
  operation?: string
  message?: string
}

function yamlObjects(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object' && 'kind' in o)
}

type RootApp = KubernetesObject & {
  spec: {
    source: {
      repoURL: string
      targetRevision: string
      helm?: { parameters?: { name: string; value: string; forceString?: boolean }[] }
    }
  }
}

/** The root Application with the one source setting and the profile filled in. */
export function rootApplication(opts: {
  repoURL: string
  revision: string
  profile: string
}): RootApp {
  const [root] = yamlObjects(join(repoRoot, 'gitops', 'bootstrap', 'root-app.yaml')) as RootApp[]
  if (!root) throw new Error('gitops/bootstrap/root-app.yaml holds no Application')
  root.spec.source.repoURL = opts.repoURL
  root.spec.source.targetRevision = opts.revision
  const params = ((root.spec.source.helm ??= {}).parameters ??= [])
  const profile = params.find((p) => p.name === 'profile')
  if (profile) profile.value = opts.profile
  else params.push({ name: 'profile', value: opts.profile })
  return root
}

export type AppProjectObject = KubernetesObject & {
  metadata: { name: string }
  spec: { sourceRepos?: string[] } & Record<string, unknown>
}

/**
 * How gitops/projects name this repository: only root-app.yaml names it (the one source setting).
 */
export const SOURCE_REPO_PLACEHOLDER = '$SOURCE_REPO_URL'

/**
 * The AppProjects as applied: the placeholder entry becomes the configured repoURL, so a project
 * allows exactly the repository Argo CD reads and no fork, mirror or local path besides it.
 */
export function appProjects(repoURL: string, root = repoRoot): AppProjectObject[] {
  const dir = join(root, 'gitops', 'projects')
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => yamlObjects(join(dir, f)) as AppProjectObject[])
    .map((p) => ({
      ...p,
      spec: {
        ...p.spec,
        sourceRepos: p.spec.sourceRepos?.map((r) => (r === SOURCE_REPO_PLACEHOLDER ? repoURL : r)),
      },
    }))
}

export async function applyGitops(opts: {
  kubeconfig: string
  repoURL: string
  revision: string
  profile: string
}): Promise<void> {
  const kc = kubeConfigFrom(opts.kubeconfig)
  await serverSideApply(kc, appProjects(opts.repoURL))
  await serverSideApply(kc, [rootApplication(opts)])
}

export function expectedApplications(profile: string): string[] {
  const values = parse(readFileSync(join(repoRoot, 'gitops', 'apps', 'values.yaml'), 'utf8')) as {
    profiles?: Record<string, string[]>
  }
  const apps = values.profiles?.[profile]
  if (!apps) throw new Error(`gitops/apps/values.yaml has no profile "${profile}"`)
  return ['root', ...apps]
}

type Application = KubernetesObject & {
  status?: {
    sync?: { status?: string }
    health?: { status?: string; message?: string }
    operationState?: { phase?: string; message?: string }
    conditions?: { type: string; message: string }[]
  }
}

export async function applicationStatuses(kubeconfig: string): Promise<AppStatus[]> {
  const api = kubeConfigFrom(kubeconfig).makeApiClient(CustomObjectsApi)
  const list = (await api.listNamespacedCustomObject({
    group: 'argoproj.io',
    version: 'v1alpha1',
    namespace: argocdNamespace,
    plural: 'applications',
  })) as {
    items: Application[]
  }
  return list.items.map((a) => ({
    name: a.metadata?.name ?? '?',
    sync: a.status?.sync?.status ?? 'Unknown',
    health: a.status?.health?.status ?? 'Unknown',
    operation: a.status?.operationState?.phase,
    message:
      [
        a.status?.conditions?.map((c) => `${c.type}: ${c.message}`).join('; '),
        a.status?.operationState?.phase === 'Failed' ? a.status.operationState.message : undefined,
        a.status?.health?.message,
      ]
        .filter(Boolean)
        .join(' | ') || undefined,
  }))
}

export async function waitForApplications(opts: {
  kubeconfig: string
  names: string[]
  timeoutMs: number
  onProgress?: (line: string) => void
  /** checked every poll: throw to abort early (e.g. a component died) */
  guard?: () => void
  errorGraceMs?: number
}): Promise<AppStatus[]> {
  const errorSince = new Map<string, { message: string; since: number }>()
  const say = opts.onProgress ?? ((l: string) => console.log(l))
  let lastLine = ''
  const synced = async (): Promise<Outcome<AppStatus[]>> => {
    try {
      opts.guard?.()
    } catch (error) {
      return failed((error as Error).message)
    }
    const statuses = await applicationStatuses(opts.kubeconfig)
    const byName = new Map(statuses.map((s) => [s.name, s]))
    const line = opts.names.map((n) => {
      const s = byName.get(n)
      return s ? `${n} ${s.sync}/${s.health}` : `${n} (not created yet)`
    })
    const joined = line.join(' · ')
    if (joined !== lastLine) {
      say(`    applications: ${joined}`)
      lastLine = joined
    }
    const ready = opts.names.every(
      (n) => byName.get(n)?.sync === 'Synced' && byName.get(n)?.health === 'Healthy'
    )
    if (ready) return met(opts.names.map((n) => byName.get(n)!))
    for (const s of statuses) {
      const err = s.message && /Error:/.test(s.message) ? s.message : undefined
      const seen = errorSince.get(s.name)
      if (!err) errorSince.delete(s.name)
      else if (!seen || seen.message !== err)
        errorSince.set(s.name, { message: err, since: Date.now() })
      else if (Date.now() - seen.since > (opts.errorGraceMs ?? 45_000)) {
        return failed(
          `Application ${s.name} is stuck (${s.sync}/${s.health}) ` +
            `for ${Math.round((Date.now() - seen.since) / 1000)} s: ${err}`
        )
      }
    }
    const causes = opts.names
      .map((n) => byName.get(n))
      .filter((s) => s && !(s.sync === 'Synced' && s.health === 'Healthy'))
      .map((s) => `${s!.name}: ${s!.sync}/${s!.health}${s!.message ? ` — ${s!.message}` : ''}`)
    const missing = opts.names.filter((n) => !byName.has(n))
    return pending([...causes, ...missing.map((m) => `${m}: not created`)].join('; '))
  }
  return expect('Applications Synced+Healthy', synced)
    .within(opts.timeoutMs, { minDelayMs: 250, maxDelayMs: 1000 })
    .catch((error: ExpectationError) => {
      throw new Error(error.kind === 'contradiction' ? error.reason : error.message)
    })
}
