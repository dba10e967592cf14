/*
 * Profiles choose targets and URLs; the checks are the same code.
 *   local – the running local cluster (scripts/lib/local-state.ts, ARK_LOCAL_DIR)
 *   kind  – the current kubeconfig context; ingresses on 127.0.0.1:80 by Host header
 * Which apps exist, their projects/namespaces and which values file the
 * mutation checks edit all come from the GitOps catalogue
 * (gitops/apps/values.yaml) in the source repository, never from constants here.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { AppProject } from './argocd.ts'
import { appProjects } from '../../scripts/lib/gitops-apply.ts'
import type { Endpoint } from './http.ts'

export type ProfileName = 'local' | 'kind'
export const PROFILES: ProfileName[] = ['local', 'kind']

export type CatalogueApp = { name: string; project: string; namespace: string; path?: string; valueFile?: string; remoteChart?: string }

/** The app the GitOps mutation checks change, and where its settings live in git. */
export type MutationTarget = {
  app: string
  namespace: string
  deployment: string
  /** repo-relative values file of this profile, e.g. helm/backend/values-local.yaml */
  valuesFile: string
  replicasKey: string[]
  memoryLimitKey: string[]
  /** repo-relative path of the extra manifest the prune check commits (inside the chart's templates/) */
  pruneManifest: string
  pruneConfigMap: string
}

/** Something the profile can or cannot reach: the value, or the reason it cannot apply. */
export type Reach<T> = { ok: true; value: T } | { ok: false; reason: string }
export const reach = <T>(value: T): Reach<T> => ({ ok: true, value })
export const unreachable = <T>(reason: string): Reach<T> => ({ ok: false, reason })

export type DatabaseAccess =
  | { kind: 'direct'; host: string; port: number; user: string; password?: string; database: string }
  | { kind: 'pod'; namespace: string; podSelector: string; container?: string; user: string; database: string; passwordEnv: string }
export type RedisAccess =
  | { kind: 'direct'; host: string; port: number; password?: string }
  | { kind: 'pod'; namespace: string; podSelector: string; container?: string; passwordEnv: string }

export type GitAccess = {
  /** working clone the suite commits through */
  workClone: string
  /** the bare repository Argo CD reads */
  bareRepo: string
  /** URL Argo CD reads (to show in messages) */
  url: string
  /** branch Argo CD follows */
  branch: string
}

export type Profile = {
  name: ProfileName
  kubeconfig: string | null
  kubeContext: string | null
  argocdNamespace: string
  rootApp: string
  git: GitAccess
  /** AppProjects as declared in gitops/projects/ (expected live state) */
  declaredProjects: AppProject[]
  /** apps of this profile from the catalogue */
  apps: CatalogueApp[]
  target: MutationTarget
  baseline: { replicas: number; memoryLimit: string }
  /** how long the GitOps checks wait: simulated pods (local) converge in seconds, real ones (kind) need probes to pass */
  deadlines: { baselineMs: number; convergenceMs: number; restoreMs: number }
  /** the backend's own log, shown when an endpoint check fails (local profile) */
  backendLog: string | null
  argocdApi: Reach<Endpoint>
  argocdUi: Reach<Endpoint>
  backend: Reach<Endpoint>
  podinfo: Reach<Endpoint>
  database: Reach<DatabaseAccess>
  redis: Reach<RedisAccess>
  /** where the backend's replicas run (Deployment in the cluster) */
  backendDeployment: { namespace: string; name: string }
  /** human summary printed at start */
  describe: string
}

let current: Profile | undefined
export function setActiveProfile(profile: Profile) {
  current = profile
}
export function activeProfile(): Profile {
  if (!current) throw new Error('no conformance profile is active: run the suite through conformance/bin/run.ts')
  return current
}

type Catalogue = {
  profiles: Record<string, string[]>
  apps: Record<string, { project: string; namespace: string; path?: string; valueFiles?: Record<string, string>; chart?: { repoURL: string; name?: string } }>
}

/** Apps of a profile from gitops/apps/values.yaml in the given checkout. */
export function readCatalogue(repoDir: string, profile: ProfileName): CatalogueApp[] {
  const file = join(repoDir, 'gitops', 'apps', 'values.yaml')
  if (!existsSync(file)) throw new Error(`GitOps catalogue not found: ${file}`)
  const catalogue = parseYaml(readFileSync(file, 'utf8')) as Catalogue
  const names = catalogue.profiles?.[profile]
  if (!names) throw new Error(`${file} has no profile "${profile}" (profiles: ${Object.keys(catalogue.profiles ?? {}).join(', ')})`)
  return names.map((name) => {
    const app = catalogue.apps[name]
    if (!app) throw new Error(`${file}: profile "${profile}" lists "${name}", which is not in apps`)
    return {
      name,
      project: app.project,
      namespace: app.namespace,
      path: app.path,
      valueFile: app.path && app.valueFiles?.[profile] ? join(app.path, app.valueFiles[profile]) : undefined,
      remoteChart: app.chart ? `${app.chart.repoURL}${app.chart.name ? `/${app.chart.name}` : ''}` : undefined,
    }
  })
}

/** The AppProjects as bootstrap applies them for this source (the placeholder replaced by its URL). */
export function readDeclaredProjects(repoDir: string, repoURL: string): AppProject[] {
  const dir = join(repoDir, 'gitops', 'projects')
  if (!existsSync(dir)) throw new Error(`AppProject folder not found: ${dir}`)
  return appProjects(repoURL, repoDir) as unknown as AppProject[]
}

/** The mutation checks target the in-repo chart app (the backend): same code in both profiles. */
export function mutationTargetOf(apps: CatalogueApp[], profile: ProfileName, appName = 'backend'): MutationTarget {
  const app = apps.find((a) => a.name === appName)
  if (!app) throw new Error(`profile "${profile}" has no "${appName}" app in the catalogue: the GitOps mutation checks need it`)
  if (!app.path || !app.valueFile) throw new Error(`app "${appName}" is not an in-repo chart with a values file for profile "${profile}"`)
  return {
    app: app.name,
    namespace: app.namespace,
    // the backend chart names its Deployment after the release (= the Application name)
    deployment: app.name,
    valuesFile: app.valueFile,
    replicasKey: ['replicaCount'],
    memoryLimitKey: ['resources', 'limits', 'memory'],
    pruneManifest: join(app.path, 'templates', 'zz-conformance-prune.yaml'),
    pruneConfigMap: 'conformance-prune-probe',
  }
}
